"""The rate tables' items in words: what a message calls a table's item, and why none is in force."""

from __future__ import annotations

from datetime import date

from .rows import Row

SINGULAR = {
    "roles": "role",
    "coproducer_rate": "co-producer rate",
    "expense_defaults": "expense default",
    "vat": "VAT rate",
    "uplift": "uplift",
    "vat_recovery": "VAT recovery rule for applicant",
    "funders": "funder",
    "funder_shares": "funder share",
    "exchange_rates": "exchange rate",
    "services": "service",
}
"""Each table's item, as a message names it."""


TABLE_WORDS = {"vat": "the VAT table", "uplift": "the uplift table"}
"""The tables of one item (no key), as a sentence names them."""
RATES = frozenset({"coproducer_rate", "exchange_rates", "vat_recovery"})
"""Tables whose items are themselves rates (or one rule): such an item "is not in force" (a funder "has no rates in force")."""


def not_in_force(table: str, key: str, on: date, versions: tuple[Row, ...]) -> str:
    """Why ``table``/``key`` has no version in force on ``on``, when none took effect by then:
    not in the tables at all, or (from its versions, oldest first) in force only from a later date."""
    noun = SINGULAR.get(table, table)
    what = f"{noun} {key!r}" if key else noun
    if not versions:
        return f"unknown {what}: not in the rate tables" if key else f"the rate tables have no {noun}"
    day, first = on.isoformat(), versions[0].effective.isoformat()
    if not key:
        tables = TABLE_WORDS.get(table, f"the {noun} table")
        return f"no {what} is in force on {day}: {tables}'s first row is in force from {first}"
    verb = "is not in force" if table in RATES else "has no rates in force"
    return f"{what} {verb} on {day}: its first row is in force from {first}"
