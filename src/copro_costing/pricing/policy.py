"""Charging rules: who pays for what.

Small tables, not ``if`` chains: how a service's internal policy turns into a charge
status, and the notes a finance officer sees. The engine asks these functions; it never
decides a charge itself.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from ..money import round_money
from ..ratebook.models import Funder, Policy

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


def vat_applies(client: str, vat_override: bool | None) -> bool:
    """VAT applies to everything charged to an external client unless set off with a reason."""
    return client == "external" and vat_override is not False


def funder_contribution(price: Decimal, funder: Funder) -> Decimal:
    """What the funder pays of ``price``: its share, plus any flat indirect costs on top."""
    share = funder.pays_percent / Decimal(100)
    indirect = funder.indirect_percent / Decimal(100)
    return round_money(price * share * (1 + indirect))
