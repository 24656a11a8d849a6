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
    "Comparison": "pricing.comparison",
    "compare": "pricing.comparison",
    "Costing": "pricing.costing",
    "Line": "pricing.costing",
    "Stamp": "pricing.costing",
    "Totals": "pricing.costing",
    "estimate": "pricing.engine",
    "InputError": "errors",
    "Problem": "errors",
    "MoneyError": "money",
    "format_money": "money",
    "round_money": "money",
    "to_money": "money",
    "RateBook": "ratebook.models",
    "Portfolio": "portfolio_report.core",
    "portfolio": "portfolio_report.core",
    "Status": "pricing.status",
    "ExpenseEntry": "pricing.spec",
    "InvolvementEntry": "pricing.spec",
    "Project": "pricing.spec",
    "ServiceEntry": "pricing.spec",
    "Spec": "pricing.spec",
    "load_spec": "pricing.spec",
    "parse_spec": "pricing.spec",
    "bundled_rates_dir": "ratebook.folder",
    "load_rates": "ratebook.folder",
}

__all__ = [
    "Comparison",
    "Costing",
    "ExpenseEntry",
    "InputError",
    "InvolvementEntry",
    "Line",
    "MoneyError",
    "Portfolio",
    "Problem",
    "Project",
    "RateBook",
    "ServiceEntry",
    "Spec",
    "Stamp",
    "Status",
    "Totals",
    "__version__",
    "bundled_rates_dir",
    "compare",
    "estimate",
    "format_money",
    "load_rates",
    "load_spec",
    "parse_spec",
    "portfolio",
    "round_money",
    "to_money",
]

if TYPE_CHECKING:
    from .errors import InputError, Problem
    from .money import MoneyError, format_money, round_money, to_money
    from .portfolio_report.core import Portfolio, portfolio
    from .pricing.comparison import Comparison, compare
    from .pricing.costing import Costing, Line, Stamp, Totals
    from .pricing.engine import estimate
    from .pricing.spec import ExpenseEntry, InvolvementEntry, Project, ServiceEntry, Spec, load_spec, parse_spec
    from .pricing.status import Status
    from .ratebook.folder import bundled_rates_dir, load_rates
    from .ratebook.models import RateBook


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'copro_costing' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
