"""CI runs exactly what the README tells a new user to run: the same lines, in the same order."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COMMANDS = re.compile(r"(pip install|python -m pytest|videorl |python3 -m venv)")


def readme_commands() -> list[str]:
    text = (REPO / "README.md").read_text()
    section = text[text.index("## Two commands"):]
    block = re.search(r"```bash\n(.*?)```", section, re.S).group(1)
    return [line.strip() for line in block.splitlines() if line.strip() and not line.strip().startswith("#")]


def ci_commands() -> list[str]:
    lines = [line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines()]
    return [line for line in lines if line and not line.startswith("#") and not line.startswith("log ")
            and COMMANDS.search(line)]


def test_readme_has_the_three_commands():
    cmds = readme_commands()
    assert len(cmds) == 3
    assert cmds[0].startswith("python3 -m venv")
    assert cmds[1] == 'pip install ".[eval]" && videorl demo'
    assert cmds[2].endswith("python -m pytest -n 2 -q")


def test_ci_runs_exactly_the_readme_commands():
    assert ci_commands() == readme_commands()


def test_ci_uses_no_constraints_the_readme_does_not():
    ci = (REPO / ".ci" / "run").read_text()
    assert " -c " not in ci and "constraints" not in ci.replace("# ", "")
