"""The package type-checks: ``mypy src/copro_costing`` finds no error.

mypy runs as a developer runs it, from the project folder with the ``[tool.mypy]`` settings
in pyproject.toml (the pydantic plugin, every function annotated, no unused ``type: ignore``),
so the test and ``mypy src/copro_costing`` always agree. Its cache is ``.mypy_cache/`` in the
project folder (ignored by git), shared with a developer's own runs. A second test runs the
same settings on a small made-up module, to show the check can fail and the plugin is on.
A third checks the overloads that type the rate-table lookups against the tables' row classes.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import subprocess
import sys
import typing
from pathlib import Path
from types import ModuleType

import pytest

from spreadsheet import in_ci

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 300  # seconds; a first run without a cache takes about 15 s on a 2-core machine


@pytest.fixture(scope="module")
def mypy() -> list[str]:
    """The command that runs mypy with the project's settings: skipped where mypy is not installed."""
    if importlib.util.find_spec("mypy") is None:
        message = 'mypy is not installed (it is in the test extra: pip install -e ".[test]")'
        if in_ci():
            pytest.fail(message + "; under CI=true the type check must run")
        pytest.skip(message)
    return [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml")]


def run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT, check=False)


def test_the_package_type_checks(mypy: list[str]) -> None:
    result = run([*mypy, "src/copro_costing"])
    assert result.returncode == 0, f"mypy src/copro_costing found errors:\n{result.stdout}{result.stderr}"
    assert result.stdout.startswith("Success: no issues found"), result.stdout + result.stderr


MADE_UP = '''from pydantic import BaseModel, Field


class Entry(BaseModel):
    name: str
    quantity: int = Field(1, description="a default given as Field's first argument, as the package's models do")


def quantity(entry: Entry) -> str:
    return entry.quantity


def untyped(entry):
    return entry


FINE = Entry(name="a workshop")  # only the plugin knows quantity has a default
NO_NAME = Entry(quantity=2)
NOT_A_FIELD = Entry(name="a workshop", people=3)
NEEDLESS = 1  # type: ignore[assignment]
'''


def test_the_check_fails_on_mistakes(mypy: list[str], tmp_path: Path) -> None:
    """Each kind of mistake the settings catch is reported, with its line; a model called
    without a defaulted field is not (the pydantic plugin is on)."""
    module = tmp_path / "made_up_module.py"
    module.write_text(MADE_UP, encoding="utf-8")
    # A cache of its own: mypy's cache keeps a module's messages with the path it was first
    # checked at, and each run's made-up module is at a new path.
    result = run([*mypy, "--cache-dir", str(tmp_path / "cache"), str(module)])
    out = result.stdout
    assert result.returncode == 1, out + result.stderr
    lines = MADE_UP.splitlines()

    def line_of(text: str) -> int:
        return next(i for i, line in enumerate(lines, start=1) if text in line)

    expected = {
        line_of("return entry.quantity"): "[return-value]",
        line_of("def untyped"): "[no-untyped-def]",
        line_of("NO_NAME"): "[call-arg]",
        line_of("people=3"): "[call-arg]",
        line_of("NEEDLESS"): "[unused-ignore]",
    }
    reported = {int(line.split(":")[1]): line for line in out.splitlines() if line.startswith(str(module))}
    for number, code in expected.items():
        assert code in reported.get(number, ""), f"line {number}: expected {code}\n{out}"
    assert line_of("FINE") not in reported, out



def _returns_by_table(module: ModuleType, cls: str, method: str) -> dict[str, object]:
    """{table name: return type} of each overload of a lookup keyed by a literal table name,
    read from the module's source (a protocol's overloads have no implementation to ask)."""
    namespace = vars(module)
    tree = ast.parse(inspect.getsource(module))
    body = next(node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == cls).body
    out: dict[str, object] = {}
    for node in body:
        if isinstance(node, ast.FunctionDef) and node.name == method and any(
            isinstance(d, ast.Name) and d.id == "overload" for d in node.decorator_list
        ):
            table = next(a.annotation for a in node.args.args if a.arg == "table")
            assert table is not None and node.returns is not None
            hint = eval(ast.unparse(table), namespace)
            if typing.get_origin(hint) is typing.Literal:
                (name,) = typing.get_args(hint)
                out[name] = eval(ast.unparse(node.returns), namespace)
    return out


def test_the_typed_lookups_name_the_row_class_each_table_holds() -> None:
    """The overloads that tell the type checker which row class a table's lookup returns
    agree with the tables themselves (ROW_TYPES), for every table: a table added or a
    class changed without its overload fails here, not as a wrong type at a call site."""
    from copro_costing.pricing import engine, lines
    from copro_costing.ratebook import models

    assert _returns_by_table(models, "RateBook", "in_force") == models.ROW_TYPES
    expected = {table: cls | None for table, cls in models.ROW_TYPES.items()}  # None: the problem is recorded
    assert _returns_by_table(lines, "Fetch", "__call__") == expected
    assert _returns_by_table(engine, "_Pricer", "fetch") == expected
