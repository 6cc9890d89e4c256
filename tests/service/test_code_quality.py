"""The code's own gates: imports point down the layers (import-linter, contracts in pyproject.toml),
and ruff finds no lint error and no unformatted file."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PYTHON_SOURCES = ["app", "bench", "migrations", "tests"]


def run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_imports_point_down_the_layers():
    result = run(str(BIN / "lint-imports"), "--no-cache")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_ruff_finds_no_lint_error():
    result = run(str(BIN / "ruff"), "check", *PYTHON_SOURCES)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_type_checker_finds_no_error():
    """mypy over app/ with the configuration in pyproject.toml (modules still listed there as type debt are
    skipped; the list only shrinks)."""
    result = run(str(BIN / "mypy"), "app")
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr


def test_every_python_file_is_formatted():
    result = run(str(BIN / "ruff"), "format", "--check", *PYTHON_SOURCES)
    assert result.returncode == 0, result.stdout + result.stderr
