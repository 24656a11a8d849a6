"""Costing-file fragments shared by several test modules."""

INVOLVEMENT = """
[[involvement]]
activity = "Advisory group meetings"
people = 8
sessions = 4
hours = 2
prep_hours = 1
years = [1, 2, 3]
expenses = 15.00
"""
"""The issue's involvement example: 8 x 4 x (2 h + 1 h) x £30 + 32 x £15 = £3,360 a year."""


def append_rows(folder, file: str, text: str) -> None:
    """Append TOML rows to ``folder/file`` (a copied rates folder a test may edit)."""
    path = folder / file
    path.write_text(path.read_text(encoding="utf-8") + "\n" + text.strip("\n") + "\n", encoding="utf-8")


HORIZON_CHARITY_SHARE = """
[[funder_shares]]
funder = "horizon-europe"
applicant = "charity"
effective = 2025-01-01
directly_incurred = 100
directly_allocated = 100
indirect = 100
exception = 100
source = "Test share: a charity funded at 100%"
"""
"""A newer version of the bundled Horizon Europe share for charities, with a confirmed source."""

CHARITY_RECOVERS_VAT = """
[[vat_recovery]]
applicant = "charity"
effective = 2026-06-01
recovers_vat = true
source = "Finance: this charity is VAT-registered and recovers the VAT it pays, June 2026"
"""
"""A new version of the charity row: from 1 June 2026 a charity applicant recovers VAT."""

HORIZON_EXPENSE = """
[[expenses]]
item = "Recorder"
cost = 100.00
year = 1
heading = "Purchase costs - Equipment"
"""
"""One standard-rated expense under a Horizon Europe heading in the base of the flat 25%."""

RETIRED_WORKSHOP = """
[[services]]
id = "training-workshop"
name = "Co-production training workshop"
description = "A retired version, to give the tables an end date."
unit = "workshop"
effective = 2027-03-01
until = 2027-06-30
replaced_by = "initial-consultation"
internal_policy = "charge"
effort = { co-production-officer = 1.0 }
vat = "exempt"
vat_source = "illustrative"
source = "illustrative: a retirement"
"""
"""A version of the training workshop in force from 1 March to 30 June 2027, then retired."""
