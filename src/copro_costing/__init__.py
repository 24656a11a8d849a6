"""copro-costing: cost co-production into research funding applications, exactly.

The public surface: read rate tables and costing specs, estimate, and render.

>>> from copro_costing import load_rates, load_spec, estimate
>>> costing = estimate(load_spec("examples/hearing-checks.toml"), load_rates())  # doctest: +SKIP
"""

from __future__ import annotations

from .compare import Comparison, compare
from .costing import Costing, Line, Stamp, Totals
from .engine import estimate
from .errors import InputError, Problem
from .money import MoneyError, format_money, round_money, to_money
from .ratebook import RateBook
from .spec import ExpenseEntry, InvolvementEntry, Project, ServiceEntry, Spec, load_spec, parse_spec
from .tables import bundled_rates_dir, load_rates

__version__ = "0.1.0"

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
