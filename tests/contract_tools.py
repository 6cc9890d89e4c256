"""The OpenAPI contract's external tools (pinned in tools/contract, installed by `make test`), and the
committed document they check. A missing tool fails the test that needs it; nothing is skipped."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPEC_FILE = ROOT / "openapi.json"
CONTRACT = ROOT / "tools" / "contract"
NODE_BIN = CONTRACT / "node_modules" / ".bin"
CLIENT_PYTHON = CONTRACT / ".venv" / "bin" / "python"
REGENERATE = "make openapi"


def committed_spec() -> dict[str, Any]:
    """The committed OpenAPI document."""
    if not SPEC_FILE.exists():
        pytest.fail(f"{SPEC_FILE.name} is missing; generate it with `{REGENERATE}`")
    return json.loads(SPEC_FILE.read_text(encoding="utf-8"))


def tool(path: Path) -> Path:
    """An installed tool, or a failure saying how to install it."""
    if not path.exists():
        pytest.fail(f"{path.relative_to(ROOT)} is not installed; run `make {CONTRACT.relative_to(ROOT)}/.installed`")
    return path


def run(*command: str | Path, cwd: Path = CONTRACT, timeout: float = 300, **kwargs: Any) -> subprocess.CompletedProcess:
    """Run a tool; a non-zero exit fails the test with its output."""
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=timeout, **kwargs
    )
    if result.returncode != 0:
        pytest.fail(f"{' '.join(map(str, command))} exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result
