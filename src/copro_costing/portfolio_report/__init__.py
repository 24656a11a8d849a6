"""The unit's portfolio: many costing files added up, by stage, financial year and more.

``copro_costing.portfolio(paths)`` reads folders of costing files and returns a
:class:`Portfolio` with JSON, Markdown, HTML and workbook views and a Jupyter display.
"""

from __future__ import annotations

from pathlib import Path

from .core import Portfolio, portfolio

__all__ = ["Portfolio", "examples_dir", "portfolio"]


def examples_dir() -> Path:
    """The bundled example portfolio: realistic costing files with a ``[status]``."""
    package = Path(__file__).resolve().parent.parent  # copro_costing/
    for candidate in (package / "examples" / "portfolio", package.parent.parent / "examples" / "portfolio"):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("the bundled example portfolio is missing from this install")
