"""The README is the manual: it names the two commands, every setting and every page, and its links work."""

from __future__ import annotations

import ast
import os
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
COMMANDS = ["scripts/run-app", "scripts/run-tests"]


def environment_variables_the_code_reads() -> set[str]:
    sources = [ROOT / "app.py", *ROOT.glob("views/*.py"), *ROOT.glob("hcsp_engage/**/*.py")]
    names = set()
    for source in sources:
        names |= set(re.findall(r"\bHCSP_[A-Z0-9_]+\b", source.read_text()))
    return names


def page_paths() -> set[str]:
    """The url_path of every page app.py registers (its ``page(file, title, url_path, icon)`` calls)."""
    tree = ast.parse((ROOT / "app.py").read_text())
    paths = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "page":
            paths.add(node.args[2].value)
    return paths


def test_readme_opens_with_the_two_commands():
    opening = README[: README.index("## ")]

    for command in COMMANDS:
        assert command in opening


@pytest.mark.parametrize("command", COMMANDS)
def test_the_two_commands_exist_and_are_executable(command):
    assert os.access(ROOT / command, os.X_OK)


def test_readme_names_every_environment_variable():
    names = environment_variables_the_code_reads()
    assert "HCSP_STORAGE" in names  # the scan found the configuration

    missing = {name for name in names if f"`{name}`" not in README}

    assert missing == set()


def test_readme_lists_every_page_path():
    paths = page_paths()
    assert len(paths) == 9

    missing = {path for path in paths if f"`/{'' if path == 'home' else path}`" not in README}

    assert missing == set()


def test_readme_links_to_files_that_exist():
    targets = re.findall(r"\]\((?!https?://)([^)#]+)\)", README)
    assert "docs/screenshots/home.png" in targets

    missing = [target for target in targets if not (ROOT / target).exists()]

    assert missing == []
