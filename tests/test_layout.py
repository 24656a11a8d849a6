"""The package layout keeps the architecture: wings import only the wings below them.

Read from the import statements (``ast``), so a wrong import fails here before anyone
runs it, and checked again in a fresh interpreter for what importing really loads. Each
rule is also run on a small made-up package, to show the check can fail.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "copro_costing"

GROUND = {"money", "errors", "atomic", "tomlfile", "jsonfile", "fields", "dates", "jsontext", "tomltext", "processors",
          "__init__", "__version__"}
"""The shared ground floor; the package's ``__init__`` only names (lazily) what users import."""
WINGS = ["ground", "ratebook", "pricing", "publishing", "export", "faces"]
"""Lowest first: a wing may import, at import time, only its own and lower wings."""
FACES = {"cli", "notebook", "web", "portfolio", "portfolio_report", "__main__"}
SPREADSHEET_LIBRARIES = {"openpyxl", "xlsxwriter", "pandas", "matplotlib"}
MAX_LINES = 400
TOO_BIG_FOR_NOW: set[str] = set()
"""No exemptions: the costing workbook is a package with a module per sheet."""


def wing(module: str) -> str:
    """The wing of ``copro_costing.<module>`` (dotted, without the package name)."""
    top = module.split(".")[0]
    if top in GROUND:
        return "ground"
    if top in FACES:
        return "faces"
    return top


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, dotted, without the package name
    target: str  # what it imports: a module of the package (dotted) or an outside library
    inside: bool  # whether the target is part of the package
    lazy: bool  # inside a function body: runs only when called
    line: int


def module_name(package: Path, path: Path) -> str:
    parts = list(path.relative_to(package).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:  # a subpackage is named by its folder
        parts = parts[:-1]
    return ".".join(parts)


def imports(package: Path) -> list[Import]:
    """Every import statement of every module under ``package``."""
    found = []
    for path in sorted(package.rglob("*.py")):
        source = module_name(package, path)
        is_init = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        lazy_nodes = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                      for n in ast.walk(f) if n is not f}
        type_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
                     for n in ast.walk(node)}
        for node in ast.walk(tree):
            if id(node) in type_only:
                continue
            lazy = id(node) in lazy_nodes
            if isinstance(node, ast.Import):
                for alias in node.names:
                    name = alias.name
                    inside = name.startswith("copro_costing")
                    found.append(Import(source, name.removeprefix("copro_costing").lstrip(".") if inside else name.split(".")[0],
                                        inside, lazy, node.lineno))
            elif isinstance(node, ast.ImportFrom):
                if node.level == 0:
                    name = node.module or ""
                    inside = name.startswith("copro_costing")
                    target = name.removeprefix("copro_costing").lstrip(".") if inside else name.split(".")[0]
                else:
                    base = source.split(".") if is_init else source.split(".")[:-1]
                    base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                    target = ".".join([*base, *(node.module.split(".") if node.module else [])])
                    inside = True
                if inside and not target:  # from copro_costing import name, or from . import name
                    for alias in node.names:
                        found.append(Import(source, alias.name, True, lazy, node.lineno))
                else:
                    found.append(Import(source, target, inside, lazy, node.lineno))
    return found


def upward_imports(package: Path) -> list[str]:
    """Import-time imports of a higher wing, and of spreadsheet libraries below the exporters."""
    problems = []
    for imp in imports(package):
        if imp.lazy or imp.target == "__future__":
            continue
        mine = wing(imp.source)
        if mine == "faces":
            continue
        if imp.inside:
            theirs = wing(imp.target)
            if WINGS.index(theirs) > WINGS.index(mine):
                problems.append(f"{imp.source}:{imp.line} ({mine}) imports {imp.target} ({theirs})")
        elif imp.target in SPREADSHEET_LIBRARIES and mine != "export":
            problems.append(f"{imp.source}:{imp.line} ({mine}) imports {imp.target}")
    return problems


def engine_calls_from_renderers(package: Path) -> list[str]:
    """Exporters and documents render a Costing and a RateBook; they never call the engine."""
    return [f"{imp.source}:{imp.line} imports {imp.target}" for imp in imports(package)
            if wing(imp.source) in {"export", "publishing"} and imp.inside and imp.target.startswith("pricing.engine")]


def oversized(package: Path, exempt: set[str] = frozenset()) -> list[str]:  # type: ignore[assignment]
    out = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package).as_posix()
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_LINES and rel not in exempt:
            out.append(f"{rel}: {lines} lines")
    return out


# The real package ---------------------------------------------------------------------------


def test_every_module_belongs_to_a_wing():
    assert {wing(module_name(PACKAGE, p)) for p in PACKAGE.rglob("*.py")} <= set(WINGS)


def test_no_wing_imports_a_higher_one_at_import_time():
    assert upward_imports(PACKAGE) == []


def test_exporters_and_documents_never_call_into_the_engine():
    assert engine_calls_from_renderers(PACKAGE) == []


def test_no_module_is_over_400_lines():
    assert oversized(PACKAGE, TOO_BIG_FOR_NOW) == []


def test_no_package_takes_the_name_of_the_bundled_data_folder():
    assert not (PACKAGE / "rates").is_dir() or not any((PACKAGE / "rates").glob("*.py"))


def test_importing_the_core_loads_no_exporter_document_face_or_spreadsheet_library():
    modules = [module_name(PACKAGE, p) for p in PACKAGE.rglob("*.py")]
    core = sorted(m for m in modules if wing(m) in {"ratebook", "pricing"})
    code = (
        "import importlib, sys\n"
        f"for m in {core!r}: importlib.import_module('copro_costing.' + m)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'openpyxl', 'xlsxwriter', 'pandas', 'matplotlib'}\n"
        "             or m.startswith(('copro_costing.export', 'copro_costing.publishing', 'copro_costing.cli',\n"
        "                              'copro_costing.web', 'copro_costing.portfolio', 'copro_costing.notebook')))\n"
        "print('\\n'.join(bad))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == []


# The checks can fail --------------------------------------------------------------------------


@pytest.fixture
def fake_package(tmp_path: Path) -> Path:
    """A made-up package with one module per wing, each importing only downwards."""
    package = tmp_path / "copro_costing"
    files = {
        "__init__.py": "",
        "money.py": "from decimal import Decimal\n",
        "ratebook/__init__.py": "",
        "ratebook/models.py": "from ..money import Decimal\n",
        "pricing/__init__.py": "",
        "pricing/engine.py": "from ..ratebook.models import Decimal\n",
        "pricing/costing.py": "def to_excel():\n    from ..export.xlsx import write\n",
        "export/__init__.py": "",
        "export/xlsx.py": "import openpyxl\nfrom ..pricing.costing import to_excel\n",
        "cli/__init__.py": "from ..export.xlsx import openpyxl\n",
    }
    for name, text in files.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text, encoding="utf-8")
    return package


def test_the_fake_package_passes(fake_package: Path):
    assert upward_imports(fake_package) == []
    assert engine_calls_from_renderers(fake_package) == []
    assert oversized(fake_package) == []


def test_a_core_module_importing_an_exporter_fails(fake_package: Path):
    (fake_package / "pricing" / "engine.py").write_text("from ..export.xlsx import openpyxl\n", encoding="utf-8")
    assert upward_imports(fake_package) == ["pricing.engine:1 (pricing) imports export.xlsx (export)"]


def test_a_core_module_importing_openpyxl_fails(fake_package: Path):
    (fake_package / "ratebook" / "models.py").write_text("import openpyxl.styles\n", encoding="utf-8")
    assert upward_imports(fake_package) == ["ratebook.models:1 (ratebook) imports openpyxl"]


def test_an_exporter_calling_the_engine_fails(fake_package: Path):
    (fake_package / "export" / "xlsx.py").write_text("def f():\n    from ..pricing.engine import estimate\n", encoding="utf-8")
    assert engine_calls_from_renderers(fake_package) == ["export.xlsx:2 imports pricing.engine"]


def test_a_long_module_fails(fake_package: Path):
    (fake_package / "money.py").write_text("x = 1\n" * 401, encoding="utf-8")
    assert oversized(fake_package) == ["money.py: 401 lines"]
