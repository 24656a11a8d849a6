"""Shared fixtures: the repository's folders and the bundled rate tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from copro_costing import RateBook, load_rates

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    return ROOT / "examples"


@pytest.fixture(scope="session")
def rates_dir() -> Path:
    return ROOT / "rates"


@pytest.fixture(scope="session")
def book() -> RateBook:
    return load_rates(ROOT / "rates")
