"""Charging rules: who pays for what.

Small tables, not ``if`` chains: how a service's internal policy turns into a charge
status, and the notes a finance officer sees. The engine asks these functions; it never
decides a charge itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Literal

from ..money import HUNDRED, ZERO, round_money
from ..ratebook.models import Funder, FunderShare, Policy

Charge = Literal["charged", "free", "requested", "waived"]

WAIVED_CHARGES: frozenset[str] = frozenset({"free", "waived"})
"""Charge statuses whose amount is given free (counted in ``waived``, not in the price)."""

INTERNAL_CHARGE: dict[Policy, Charge] = {
    "charge": "charged",
    "free": "free",
    "request": "requested",
}

POLICY_WORDS: dict[Policy, str] = {
    "charge": "charged",
    "free": "free",
    "request": "requested contribution (if there is budget)",
    "case-by-case": "case by case",
}
"""A service's internal policy in words, for people (lower case: capitalise to start a cell)."""

NOTES: dict[Charge, str] = {
    "charged": "",
    "free": "Free to internal clients: shown at full value and waived",
    "requested": "Offered free; a contribution is requested if there is budget",
    "waived": "",
}


def service_charge(
    client: str, policy: Policy, decision: str | None, reason: str | None
) -> tuple[Charge, str]:
    """The charge status of a service line and the note that explains it.

    External clients pay for every service. Internal clients follow the service's
    policy; a case-by-case service follows the recorded decision and reason.
    """
    if client == "external":
        if decision is not None:
            return "charged", "External clients are charged for every service (decision applies only to internal clients)"
        return "charged", ""
    if policy == "case-by-case":
        if decision == "waive":
            return "waived", f"Waived (case by case): {reason}"
        return "charged", f"Charged (case by case): {reason}"
    return INTERNAL_CHARGE[policy], NOTES[INTERNAL_CHARGE[policy]]


def needs_decision(client: str, policy: Policy, decision: str | None) -> bool:
    """An internal case-by-case service without a recorded decision cannot be priced."""
    return client == "internal" and policy == "case-by-case" and decision is None


def decision_not_allowed(client: str, policy: Policy, decision: str | None) -> bool:
    """A decision on an internal service that is not case by case is a mistake."""
    return client == "internal" and policy != "case-by-case" and decision is not None


def vat_applies(vat_position: str) -> bool:
    """Whether any line can carry VAT: only for a UK external client (each line then by its VAT category)."""
    return vat_position == "uk"


def funder_contribution(
    price_by_heading: Mapping[str, Decimal], vat_by_heading: Mapping[str, Decimal], funder: Funder,
    share: FunderShare | None, *, recovers_vat: bool = False,
) -> tuple[Decimal, Decimal]:
    """(What the funder pays, the flat indirect costs it adds), from its rules in the tables,
    given each of its headings' price (VAT included) and VAT.

    Each heading's price is paid at the share of its cost category, rounded per heading;
    a flat indirect rate is worked out on the charged amounts (never the VAT) of the
    headings in its base and paid at the indirect share. A direct commission (no funder) pays nothing: the client pays.
    VAT counts where the funder's rules say it does (``recovers_vat``: the applicant
    recovers the VAT it pays, by the rate tables' ``[[vat_recovery]]`` row).
    """
    if share is None or funder.direct_commission:
        return ZERO, ZERO
    with_vat = counts_vat(funder, recovers_vat=recovers_vat)
    contribution = ZERO
    base = ZERO
    for heading in funder.headings:
        price = price_by_heading.get(heading.name, ZERO)
        charged = price - vat_by_heading.get(heading.name, ZERO)  # the flat rate is never worked out on VAT
        contribution += round_money((price if with_vat else charged) * share.percent(heading.category) / HUNDRED)
        if heading.base and heading.category != "indirect":
            base += charged
    indirect = round_money(base * funder.indirect_percent / HUNDRED)
    contribution += round_money(indirect * share.percent("indirect") / HUNDRED)
    return contribution, indirect


BEFORE_VAT_RECOVERY = frozenset({"business"})
"""Only for a rates folder made before ``[[vat_recovery]]`` existed (so its costings price as
they did, with a warning): the kinds of applicant the calculator then took to recover VAT.
The rule itself is data: ``tax.toml``'s ``[[vat_recovery]]`` rows, each with its source."""


def counts_vat(funder: Funder, *, recovers_vat: bool) -> bool:
    """Whether the funder's rules count a line's VAT in what they pay: all of it, or only
    VAT the applicant cannot recover (``recovers_vat``: it can)."""
    return funder.vat == "all" or (funder.vat == "irrecoverable" and not recovers_vat)
