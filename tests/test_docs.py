"""docs/design.md is the contract the code cites: its sections exist, its configuration section names every
setting config.py reads, and nothing in the repository points at an issue tracker's numbers instead."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from hcsp_engage import schema

ROOT = Path(__file__).resolve().parents[1]
DESIGN = ROOT / "docs" / "design.md"
CONFIG = ROOT / "hcsp_engage" / "config.py"
README = (ROOT / "README.md").read_text()

# Folders that are not the project's own files: git's, the shared venv, npm packages, caches, and what
# running the app or the tests leaves behind (all git-ignored).
SKIPPED = {".git", ".venv", "node_modules", "__pycache__", ".pytest_cache", ".ruff_cache", "test-artifacts"}
SKIPPED_AT_ROOT = {"data"}  # the running app's databases, not hcsp_engage/reference/data

# "docs/design.md section 6", "docs/design.md sections 3, 4 and 5", "docs/design.md §7", also with the
# path in a Markdown link or code ("[`docs/design.md`](docs/design.md) section 5") or a comment wrapping
# between the path and the word.
REFERENCE = re.compile(
    r"docs/design\.md[\s#,`)\]]*(?:sections?\s+|§+\s*)"
    r"(?P<numbers>\d+(?:\.\d+)*(?:(?:\s*,\s*|\s+and\s+|\s*&\s*|\s*[-–]\s*)\d+(?:\.\d+)*)*)",
)
# An issue tracker's number: "issue N", "issues N", "issue #N", "fixes #N", "(#N)", a bare "#N". Not
# an HTML character reference ("&#123;"), a Markdown anchor ("#1-a-linux-virtual-machine") or a CSS
# colour written in digits ("#333", "#003078").
ISSUE_NUMBER = re.compile(
    r"\bissues?\s*#?\s*\d+\b"
    r"|\b(?:PRs?|pull\s+requests?|fix(?:es|ed)?|close[sd]?|resolve[sd]?|see)\s+#\d+\b"
    r"|(?<![\w&#])#(?!(?:\d{3}|\d{6})\b)\d+(?![\w-])",
    re.IGNORECASE,
)


def project_files(*suffixes: str) -> list[Path]:
    """The repository's own text files (with one of ``suffixes``, or all when none are given)."""
    found = []
    for folder, subfolders, names in os.walk(ROOT):
        here = Path(folder)
        subfolders[:] = [
            name
            for name in subfolders
            if name not in SKIPPED and not (here == ROOT and name in SKIPPED_AT_ROOT)
        ]
        found += [here / name for name in names if not suffixes or name.endswith(suffixes)]
    return sorted(found)


def text_of(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return None  # images, databases: no words in them


def design_sections() -> dict[str, str]:
    """Each numbered heading of docs/design.md ("## 6. Configuration" -> "6") and the text under it."""
    sections: dict[str, str] = {}
    current = None
    for line in DESIGN.read_text().splitlines():
        heading = re.match(r"#{2,}\s+(\d+(?:\.\d+)*)\.?\s", line)
        if heading:
            current = heading.group(1)
            sections[current] = ""
        elif re.match(r"##\s", line):
            current = None  # an unnumbered section ends the numbered one before it
        elif current is not None:
            sections[current] += line + "\n"
    return sections


def cited_sections(text: str) -> list[str]:
    """The section numbers ``text`` cites in docs/design.md."""
    return [
        number
        for match in REFERENCE.finditer(text)
        for number in re.findall(r"\d+(?:\.\d+)*", match.group("numbers"))
    ]


def settings_config_reads() -> tuple[set[str], set[tuple[str, str]], set[str]]:
    """What config.py reads: environment variables, (table, key) pairs of secrets, and whole tables."""
    source = CONFIG.read_text()
    variables = set(re.findall(r"\bHCSP_[A-Z0-9_]+\b", source))
    # app = dict(secrets.get("hcsp", {}) or {}): the local name of each secrets table.
    table_names = dict(re.findall(r"(\w+) = dict\(secrets\.get\(\"(\w+)\"", source))
    keys = {
        (table_names[name], key)
        for name, key in re.findall(r"pick\(\s*\"HCSP_\w+\",\s*(\w+),\s*\"(\w+)\"", source)
        + re.findall(r"\b(\w+)\.get\(\"(\w+)\"", source)
        if name in table_names
    }
    tables = set(re.findall(r"secrets\.get\(\"(\w+)\"", source))
    tables |= set(re.findall(r"\"(\w+)\" in secrets\b", source))
    return variables, keys, tables


def test_the_design_document_keeps_the_nine_numbered_sections_the_code_cites():
    assert list(design_sections()) == [str(number) for number in range(1, 10)]


def test_the_reference_finder_reads_every_way_a_section_is_cited():
    # Written through a placeholder, so the repository-wide checks below do not read these examples.
    text = (
        "{doc} section 6; {doc} sections 3, 4 and 5 ({doc} §7)\n"
        "# the contract is {doc}\n# section 9\n[`{doc}`]({doc}) section 8\nanother design.md section 2"
    ).format(doc="docs/design.md")

    assert cited_sections(text) == ["6", "3", "4", "5", "7", "9", "8"]


def test_a_reference_to_a_section_that_is_not_there_is_caught():
    assert "10" not in design_sections()
    assert cited_sections("see {doc} section 10".format(doc="docs/design.md")) == ["10"]


def test_every_reference_to_docs_design_md_points_to_a_section_that_exists():
    sections = design_sections()
    files = project_files(".py", ".md", ".toml")
    assert ROOT / "hcsp_engage" / "config.py" in files  # the walk reached the code

    broken = [
        f"{path.relative_to(ROOT)}: section {number}"
        for path in files
        for number in cited_sections(text_of(path) or "")
        if number not in sections
    ]

    assert broken == []


def test_the_configuration_section_and_the_readme_name_every_variable_config_reads():
    variables, _, _ = settings_config_reads()
    assert "HCSP_TRUSTED_PROXY_HOPS" in variables  # the scan found the configuration
    section = design_sections()["6"]

    assert {name for name in variables if f"`{name}`" not in section} == set()
    assert {name for name in variables if f"`{name}`" not in README} == set()


def test_the_configuration_section_names_every_secrets_key_and_table_config_reads():
    _, keys, tables = settings_config_reads()
    assert ("hcsp", "staff_idle_minutes") in keys  # a secrets-only key was found
    assert {"auth", "staff_passcodes", "staff_roles"} <= tables
    section = design_sections()["6"]

    # A key is named "`[hcsp] storage`"; a nested table, such as the service account, "`[gsheets.service_account]`".
    missing_keys = {
        f"[{table}] {key}"
        for table, key in keys
        if f"`[{table}] {key}`" not in section and f"`[{table}.{key}]`" not in section
    }
    missing_tables = {f"[{table}]" for table in tables if f"`[{table}]" not in section}

    assert missing_keys | missing_tables == set()


# "{n}" stands for the number, so the repository-wide check below does not read these examples.
@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("as issue {n} asked", True),
        ("Issue #{n} says", True),
        ("fixes #{n}.", True),
        ("(#{n})", True),
        ("colour #333; and #003078", False),
        ("&#123;&#123; and [guide](#1-a-linux-virtual-machine)", False),
        ("the number 71 bus is an issue", False),
    ],
)
def test_the_issue_number_finder_tells_issues_from_colours_and_anchors(text, found):
    assert bool(ISSUE_NUMBER.search(text.format(n=12))) is found


def test_no_file_refers_to_an_issue_number():
    files = project_files()
    assert ROOT / "README.md" in files

    found = [
        f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}: {match.group(0)!r}"
        for path in files
        if (text := text_of(path)) is not None
        for match in ISSUE_NUMBER.finditer(text)
    ]

    assert found == []


def listed_columns(text: str) -> dict[str, list[str]]:
    """The stored tables in a Markdown table "| `table` | one row per | columns |" and their columns."""
    rows = re.findall(r"^\| `(\w+)` \| [^|]+ \| ([^|]+) \|$", text, flags=re.MULTILINE)
    return {
        table: [column.strip() for column in columns.split(",")]
        for table, columns in rows
        if table in schema.COLUMNS
    }


def test_the_stored_data_section_lists_every_tables_columns_in_the_order_they_are_stored():
    stored = {table: list(columns) for table, columns in schema.COLUMNS.items()}

    assert listed_columns(design_sections()["5"]) == stored
    assert listed_columns(README) == stored
    assert f"`schema_version` is `{schema.SCHEMA_VERSION}`" in design_sections()["5"]
