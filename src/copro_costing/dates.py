"""Calendar arithmetic shared by the rate book and the pricing engine."""

from __future__ import annotations

from datetime import date


def year_start(start: date, year: int) -> date:
    """First day of project year ``year`` (1-based); 29 February falls back to the 28th."""
    target = start.year + year - 1
    try:
        return start.replace(year=target)
    except ValueError:
        return start.replace(year=target, day=28)
