"""Every shell example in README.md runs, in order, against a freshly started server, and prints what the
README shows.

The examples run in one bash process (so variables such as ``AUTH`` and ``API`` carry from one block
to the next) against a real ``inventory serve`` on a new SQLite database in a temporary directory.
The README's addresses (``http://127.0.0.1:8000`` and ``:8123``) and token file (``var/admin.token``)
are rewritten to the test server's. ``curl`` fails on any status of 400 or more (``--fail-with-body``)
and such a failure fails the test, naming its block. A fenced block ```` ```sh no-test ```` is not run
(docker, ``make``, generators); every other ```` ```sh ```` block is.

The output shown is the run of fenced blocks right after a ``sh`` block (only blank lines between).
It is compared with what the block printed after normalising both: whitespace removed (JSON is shown
pretty-printed), timestamps, tokens, request ids and ages in days replaced by placeholders, and ``…``
in the shown output standing for any text (the README trims long outputs with it).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.ports import free_port
from tests.servers import ROOT, inventory, running, server_env

README = ROOT / "README.md"
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```[ \t]*\n", re.MULTILINE | re.DOTALL)
MARK = "@@readme-block@@"

pytestmark = pytest.mark.skipif(shutil.which("curl") is None or shutil.which("jq") is None, reason="needs curl and jq")


@dataclass
class Example:
    """A shell block of the README, where it starts, and the output the README shows after it."""

    line: int
    script: str
    shown: str | None


def examples(text: str) -> tuple[list[Example], int]:
    """The runnable ``sh`` blocks in order, and how many are marked ``no-test``."""
    blocks = []
    for match in FENCE.finditer(text):
        info = match.group(1).strip().split()
        blocks.append((info, match.group(2), match.start(), match.end()))
    found: list[Example] = []
    skipped = 0
    for index, (info, body, start, end) in enumerate(blocks):
        if not info or info[0] != "sh":
            continue
        if "no-test" in info[1:]:
            skipped += 1
            continue
        shown = []
        position = end
        for next_info, next_body, next_start, next_end in blocks[index + 1 :]:
            if text[position:next_start].strip() or (next_info and next_info[0] == "sh"):
                break
            shown.append(next_body)
            position = next_end
        found.append(Example(text.count("\n", 0, start) + 1, body, "".join(shown) if shown else None))
    return found, skipped


def normalise(text: str) -> str:
    text = re.sub(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})", "<time>", text)
    text = re.sub(r"csi_[A-Za-z0-9_-]+", "<token>", text)
    text = re.sub(r'("request_id":\s*")[0-9a-f]{32}(")', r"\1<request-id>\2", text)
    text = re.sub(r'("(?:audit_)?information_age_days":\s*)\d+', r"\1<days>", text)
    text = re.sub(r"(,)\d+(,high,|,elevated,|,moderate,|,low,)", r"\1<days>\2", text)
    text = re.sub(r"\(\d+ days ago\)", "(<days> days ago)", text)
    return re.sub(r"\s+", "", text)


def matches(shown: str, actual: str) -> bool:
    """Whether the actual output is the shown one, ``…`` standing for any text."""
    pattern = ".*?".join(re.escape(part) for part in normalise(shown).split("…"))
    return re.fullmatch(pattern, normalise(actual), re.DOTALL) is not None


def run_readme(text: str, tmp_path: Path) -> list[str]:
    """Run the README's examples against a fresh server; the problems found (empty when all hold)."""
    found, _ = examples(text)
    assert found, "README.md has no runnable sh blocks"
    var = tmp_path / "var"
    env = server_env(f"sqlite:///{tmp_path / 'inventory.db'}", var, INVENTORY_LOG_LEVEL="warning")
    port = free_port()
    failures = tmp_path / "curl-failures"
    with running(inventory("serve", "--port", str(port)), env, port) as base:
        script = [
            "set -o pipefail",
            f'curl() {{ command curl --fail-with-body --max-time 20 "$@" || echo "block $BLOCK: curl $* -> exit $?" >> {failures}; }}',
        ]
        for number, example in enumerate(found):
            body = example.script.replace("http://127.0.0.1:8000", base).replace("http://127.0.0.1:8123", base)
            body = body.replace("var/admin.token", str(var / "admin.token"))
            script += [f"BLOCK={example.line}", f"echo '{MARK}{number}'", body]
        result = subprocess.run(
            ["bash", "-c", "\n".join(script)],
            cwd=ROOT,
            env={**env, "PATH": f"{ROOT / '.venv' / 'bin'}:{env.get('PATH', '')}"},
            capture_output=True,
            text=True,
            timeout=120,
        )
    problems = (
        [re.sub(r"csi_\S+", "<token>", line) for line in failures.read_text().splitlines()] if failures.exists() else []
    )
    outputs = result.stdout.split(MARK)[1:]
    assert len(outputs) == len(found), result.stderr
    for example, output in zip(found, outputs, strict=True):
        output = output.split("\n", 1)[1] if "\n" in output else ""
        if example.shown is not None and not matches(example.shown, output):
            problems.append(f"block at README.md line {example.line}: output differs:\n{output[:2000]}")
    return problems


def test_every_readme_example_runs_and_prints_what_it_shows(tmp_path):
    text = README.read_text(encoding="utf-8")
    found, skipped = examples(text)
    assert len(found) >= 20
    assert skipped >= 3
    assert all(example.shown is not None for example in found if "reports/summary?vendor" in example.script)
    problems = run_readme(text, tmp_path)
    assert not problems, "\n".join(problems)


def test_an_edited_output_fails_the_readme_test(tmp_path):
    text = README.read_text(encoding="utf-8")
    edited = text.replace('"status":"ok","database":"sqlite"', '"status":"degraded","database":"sqlite"', 1)
    assert edited != text
    only_health = "\n".join(block for block in _blocks_around(edited, "/health/ready"))
    problems = run_readme(only_health, tmp_path)
    assert any("output differs" in problem for problem in problems), problems
    assert not run_readme("\n".join(_blocks_around(text, "/health/ready")), tmp_path / "again")


def test_every_sh_block_is_run_or_marked():
    text = README.read_text(encoding="utf-8")
    infos = [match.group(1).strip() for match in FENCE.finditer(text)]
    for info in infos:
        words = info.split()
        if words and words[0] in ("sh", "bash", "shell", "console"):
            assert words[0] == "sh"
            assert words[1:] in ([], ["no-test"]), f"unknown fence info string: {info!r}"
    found, skipped = examples(text)
    assert len(found) + skipped == sum(1 for info in infos if info.split()[:1] == ["sh"])


def test_the_comparison_matches_ellipses_and_catches_edits():
    assert matches('{"a": 1, …, "c": [1, 2]}', '{"a":1,"b":"x","c":[1,2]}')
    assert not matches('{"a": 1, …, "c": [1, 3]}', '{"a":1,"b":"x","c":[1,2]}')
    assert matches('{"created_at": "2021-04-19T00:00:00Z"}', '{"created_at":"2026-11-29T10:00:00.123456Z"}')
    assert not matches("RTM-CS-01 high", "RTM-CS-01 elevated")


def _blocks_around(text: str, needle: str) -> list[str]:
    """The ``sh`` block that contains ``needle`` and the output blocks right after it, as README text."""
    for match in FENCE.finditer(text):
        if match.group(1).strip() == "sh" and needle in match.group(2):
            rest = text[match.end() :]
            following = re.match(r"(\s*```[^\n]*\n.*?^```[ \t]*\n)+", rest, re.MULTILINE | re.DOTALL)
            return [match.group(0) + (following.group(0) if following else "")]
    raise AssertionError(f"no sh block with {needle}")
