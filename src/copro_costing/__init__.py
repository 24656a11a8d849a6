"""copro-costing: cost co-production into research funding applications, exactly.

The public surface: read rate tables and costing specs, estimate, compare and render.

>>> from copro_costing import load_rates, load_spec, estimate
>>> costing = estimate(load_spec("examples/hearing-checks.toml"), load_rates())  # doctest: +SKIP

Names are imported on first use (PEP 562), so ``import copro_costing`` and the command
line start fast; type checkers see ordinary imports.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "Comparison": "comparison",
    "compare": "comparison",
    "Costing": "costing",
    "Line": "costing",
    "Stamp": "costing",
    "Totals": "costing",
    "estimate": "engine",
    "InputError": "errors",
    "Problem": "errors",
    "MoneyError": "money",
    "format_money": "money",
    "round_money": "money",
    "to_money": "money",
    "RateBook": "ratebook",
    "ExpenseEntry": "spec",
    "InvolvementEntry": "spec",
    "Project": "spec",
    "ServiceEntry": "spec",
    "Spec": "spec",
    "load_spec": "spec",
    "parse_spec": "spec",
    "bundled_rates_dir": "tables",
    "load_rates": "tables",
}

__all__ = [
    "Comparison",
    "Costing",
    "ExpenseEntry",
    "InputError",
    "InvolvementEntry",
    "Line",
    "MoneyError",
    "Problem",
    "Project",
    "RateBook",
    "ServiceEntry",
    "Spec",
    "Stamp",
    "Totals",
    "__version__",
    "bundled_rates_dir",
    "compare",
    "estimate",
    "format_money",
    "load_rates",
    "load_spec",
    "parse_spec",
    "round_money",
    "to_money",
]

if TYPE_CHECKING:
    from .comparison import Comparison, compare
    from .costing import Costing, Line, Stamp, Totals
    from .engine import estimate
    from .errors import InputError, Problem
    from .money import MoneyError, format_money, round_money, to_money
    from .ratebook import RateBook
    from .spec import ExpenseEntry, InvolvementEntry, Project, ServiceEntry, Spec, load_spec, parse_spec
    from .tables import bundled_rates_dir, load_rates


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'copro_costing' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
