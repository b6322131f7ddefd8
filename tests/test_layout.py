"""The package's layout: the folder tells the role, and the README's layout block tells the truth."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "hcsp_engage"
STREAMLIT = {"streamlit", "streamlit_folium"}
# Streamlit belongs to the pages, the navigation, the package's web/ folder and the benchmark.
ALLOWED = [PACKAGE / "web", ROOT / "views", ROOT / "app.py", ROOT / "benchmarks"]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def streamlit_importers() -> list[Path]:
    sources = [*PACKAGE.rglob("*.py"), *(ROOT / "scripts").rglob("*.py")]
    return sorted(
        path
        for path in sources
        if not any(path == allowed or allowed in path.parents for allowed in ALLOWED)
        and {name.split(".")[0] for name in imported_modules(path)} & STREAMLIT
    )


def test_only_the_web_folder_imports_streamlit():
    assert streamlit_importers() == []


def test_the_streamlit_check_sees_the_web_folder():
    web = [path for path in (PACKAGE / "web").glob("*.py") if "streamlit" in imported_modules(path)]
    assert len(web) >= 5  # ui, forms, picker, auth, cached... so the walk and the parse work


def layout_block() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.search(r"## Project layout\n\n```\n(.*?)\n```", readme, flags=re.S).group(1)


def package_lines() -> list[str]:
    """The lines of the layout block inside hcsp_engage/ (indented under it)."""
    lines = layout_block().splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("hcsp_engage/"))
    inside = []
    for line in lines[start + 1 :]:
        if line and not line.startswith(" "):
            break
        inside.append(line)
    return inside


def entries_in_tree() -> set[str]:
    entries = {f"{p.name}/" for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    entries |= {p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"}
    return entries


def entries_named(lines: list[str]) -> set[str]:
    """Module and folder names at the start of each entry (a name column, then the description)."""
    named = set()
    for line in lines:
        if not line.startswith("  ") or line.startswith("   "):
            continue  # a description's continuation line
        column = re.split(r"\s{2,}", line.strip())[0]
        named.update(name.strip() for name in column.split(","))
    return named


def test_readme_layout_names_every_package_folder_and_module():
    missing = entries_in_tree() - entries_named(package_lines())
    assert not missing, f"README 'Project layout' leaves out {sorted(missing)}"


def test_readme_layout_names_nothing_that_is_not_there():
    extra = entries_named(package_lines()) - entries_in_tree()
    assert not extra, f"README 'Project layout' names {sorted(extra)}, which hcsp_engage/ does not hold"


def test_the_layout_check_reads_the_block():
    assert {"web/", "schema.py", "storage/"} <= entries_named(package_lines())


def test_importing_the_package_leaves_arrows_memory_pool_alone():
    # The pool is chosen where the app opens its store (storage.open_store), not by an import.
    code = (
        "import pyarrow as pa; before = pa.default_memory_pool().backend_name; "
        "import hcsp_engage.storage, hcsp_engage.storage.base, hcsp_engage.analysis.aggregate; "
        "print(before == pa.default_memory_pool().backend_name)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "True"
