"""The quote a client receives (``copro-costing letter SPEC -o quote.html|quote.pdf``).

For an external client, a quotation a purchasing department can raise an order from:
who it is from (the unit's name, address, contact and VAT registration, from
``rates/unit.toml``), the reference, date and validity, every line, VAT and the totals,
and the payment terms. For an internal client, the internal-charge quote funders ask for
as evidence of how an internal charge was calculated: the same lines, with the day rates
and the co-producer rate they rest on. Every figure is the Costing's; nothing is priced here.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from ..money import format_money, plain_number
from ..pricing.costing import Costing
from ..ratebook.models import CoproducerRate, Role
from ..ratebook.unit import Unit
from .document import Document, Heading, Para, Table, to_html

CHARGE_WORDS = {"charged": "", "free": "given free", "requested": "requested if there is budget", "waived": "waived"}


def letter_document(costing: Costing, unit: Unit, locale: str = "en_GB") -> Document:
    """The quote as a document (rendered to HTML, and from it to PDF)."""
    p, t = costing.spec.project, costing.totals
    internal = p.client == "internal"

    def m(value: Decimal) -> str:
        return format_money(value, locale, costing.currency)

    issued = costing.stamp.priced_on
    valid_until = issued + timedelta(days=unit.validity_days.value)
    reference = p.reference or f"{issued.isoformat()}-{costing.stamp.sha256[:8]}"
    sender = [unit.name.value] + ([unit.department.value] if unit.department else []) + list(unit.address.value)
    facts = [
        ("From", ", ".join(sender)),
        ("Contact", unit.contact.value),
    ]
    if unit.vat_registration and not internal:
        facts.append(("VAT registration", unit.vat_registration.value))
    facts += [
        ("To", p.organisation or ("Internal client" if internal else "External client")),
        ("Project", p.title),
        ("Funder", costing.funder.name),
        ("Our reference", reference),
        ("Date", issued.isoformat()),
        ("Valid until", valid_until.isoformat()),
    ]
    blocks: list = [Table(("", ""), tuple(facts))]
    if costing.illustrative or unit.illustrative:
        blocks.append(Para(
            "Draft: this quote rests on illustrative placeholder figures (rates or the unit's details): "
            "confirm them with finance before sending it.", note=True))
    if internal:
        blocks.append(Para(
            "This is the internal charge for the co-production unit's services, for the funder's evidence of how "
            "an internal charge was calculated: each service is priced from the staff days it takes at the "
            "internal day rates in force, and co-producers' time at the co-producer hourly rate; the rates are "
            "listed below."))
    else:
        blocks.append(Para("We are pleased to quote for the following co-production services."))
    rows = []
    for line in costing.lines:
        charge = CHARGE_WORDS[line.charge]
        rows.append((str(line.year), line.description + (f" ({charge})" if charge else ""),
                     f"{plain_number(line.quantity)} {line.unit}", m(line.unit_price), m(line.amount), m(line.vat)))
    blocks += [Heading("Lines"), Table(("Year", "Description", "Quantity", "Unit price", "Amount", "VAT"),
                                       tuple(rows), numeric=(0, 3, 4, 5))]
    totals = [("Value at full rates", m(t.value))]
    if t.waived:
        totals.append(("Given free by the unit", "-" + m(t.waived)))
    totals.append(("Net", m(t.value - t.waived)))
    vat_label = f"VAT at {plain_number(costing.vat_percent)}%" if costing.vat_applies else "VAT"
    totals.append((vat_label, m(t.vat)))
    if len(t.vat_by_treatment) > 1:
        totals += [(f"  VAT on {treatment} lines", m(amount)) for treatment, amount in t.vat_by_treatment.items()]
    totals.append(("Total to pay" if not internal else "Internal charge", m(t.price)))
    blocks += [Heading("Totals"), Table(("", costing.currency), tuple(totals), numeric=(1,))]
    if internal:
        rates = []
        for table, row in costing.rates_used:
            if table == "roles" and isinstance(row, Role):
                rates.append((f"{row.name}: internal day rate", m(row.internal_day_rate), row.effective.isoformat()))
            elif table == "coproducer_rate" and isinstance(row, CoproducerRate):
                rates.append(("Co-producer hourly rate", m(row.hourly_rate), row.effective.isoformat()))
        blocks += [Heading("How the charge was calculated"),
                   Table(("Rate", "Amount", "In force from"), tuple(rates), numeric=(1,))]
        blocks += [Heading("Payment"), Para(unit.internal_transfer.value)]
    else:
        treatments = t.vat_by_treatment
        if "standard" in treatments:
            vat = f"VAT is charged at {plain_number(costing.vat_percent)}% on standard-rated services."
            if "exempt" in treatments:
                vat += " Training is exempt from VAT, as education supplied by a university."
        elif "exempt" in treatments:
            vat = "No VAT is charged: training supplied by a university is exempt."
        else:
            vat = f"No VAT is charged: the supply is outside the scope of UK VAT ({p.vat_reason})."
        blocks += [Heading("Terms"), Para(unit.payment_terms.value), Para(vat),
                   Para(f"This quote is valid until {valid_until.isoformat()}.")]
    blocks.append(Para(f"Rates in force on {issued.isoformat()} (SHA-256 {costing.stamp.sha256}); "
                       f"co-producers are always paid."))
    title = ("Internal charge quote" if internal else "Quotation") + f": {p.title}"
    return Document(title, tuple(blocks), illustrative=costing.illustrative or unit.illustrative)


def letter_html(costing: Costing, unit: Unit, locale: str = "en_GB") -> str:
    """The quote as one self-contained HTML page with print styles."""
    return to_html(letter_document(costing, unit, locale))


def letter_pdf(costing: Costing, unit: Unit, locale: str = "en_GB") -> bytes:
    """The quote as PDF, from its HTML, through WeasyPrint (the optional ``pdf`` extra)."""
    try:
        from weasyprint import HTML
    except ImportError as exc:  # pragma: no cover - depends on the installation
        raise RuntimeError('a PDF quote needs WeasyPrint: pip install "copro-costing[pdf]"') from exc
    return bytes(HTML(string=letter_html(costing, unit, locale)).write_pdf())
