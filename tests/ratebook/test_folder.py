"""The rate tables: what ships in rates/, versions in force on a date, and load errors."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError

from copro_costing import InputError, load_rates
from copro_costing.ratebook.folder import ENV_VAR, bundled_rates_dir, default_rates_dir
from copro_costing.ratebook.models import RateLookupError, fingerprint
from snippets import RETIRED_WORKSHOP

SERVICE_POLICIES = {
    "initial-consultation": "free",
    "training-workshop": "charge",
    "facilitation-day": "request",
    "co-evaluation-day": "charge",
    "learning-partner-day": "charge",
    "advisory-group-meeting": "case-by-case",
    "co-production-partner-day": "charge",
}

ON = date(2026, 4, 1)


def problems(folder) -> list[str]:
    with pytest.raises(InputError) as caught:
        load_rates(folder)
    return [str(p) for p in caught.value.problems]


def edit(path, old: str, new: str) -> str:
    """Replace one line of a copied rates file; return the new text."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} should occur once in {path.name}"
    text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return text


# --- what ships ---------------------------------------------------------------------------


def test_the_catalogue_has_the_seven_services_with_their_internal_policies(book):
    assert {key: book.service(key, ON).internal_policy for key in book.keys("services")} == SERVICE_POLICIES


def test_the_three_staff_roles_have_internal_and_external_day_rates(book):
    assert {"director", "co-production-manager", "co-production-officer"} <= set(book.keys("roles"))
    for key in book.keys("roles"):
        role = book.role(key, ON)
        assert role.external_day_rate > role.internal_day_rate > 0


def test_the_coproducer_rate_is_the_published_30_pounds_an_hour_and_the_only_version(book):
    assert book.keys("coproducer_rate") == ["standard"], "only the Collective's rate is shipped as a tier"
    (row,) = book.versions("coproducer_rate", "standard")
    assert row.hourly_rate == Decimal("30.00")
    # The source says what the published note scopes it to, and that it began as a pilot.
    assert "pilot to 31 March 2025" in row.source and "floor" in row.source
    assert row.effective == date(2024, 9, 25)
    assert "Co-Production Collective" in row.source
    assert not row.illustrative


def test_vat_is_20_percent_and_the_uplift_is_an_illustrative_3_percent(book):
    assert book.vat(ON).percent == 20
    uplift = book.uplift(ON)
    assert uplift.percent == 3
    assert uplift.illustrative


def test_the_funders_and_how_they_price(book):
    assert set(book.keys("funders")) == {"ukri", "nihr", "wellcome", "amrc-charity", "horizon-europe", "other", "none"}
    ukri = book.funder("ukri", ON)
    assert (ukri.inflation, ukri.day_rate, ukri.indirect_percent, ukri.currency) == ("none", "full", 0, "GBP")
    assert ukri.heading_for.service == "Directly Allocated - Other"
    assert ukri.heading("Directly Allocated - Other").category == "directly-allocated"
    nihr = book.funder("nihr", ON)
    assert nihr.inflation == "none", "NIHR wants current prices"
    assert len(nihr.headings) == 8 and nihr.heading_names[0] == "Staff costs"
    assert "Patient and public involvement, engagement and participation" in nihr.heading_names
    horizon = book.funder("horizon-europe", ON)
    assert (horizon.inflation, horizon.indirect_percent, horizon.currency) == ("applicant", 25, "EUR")
    outside_base = {h.name for h in horizon.headings if not h.base}
    assert outside_base == {"Subcontracting costs", "Internally invoiced goods and services", "Indirect costs"}
    for charity in ("wellcome", "amrc-charity"):
        assert (book.funder(charity, ON).indirect_percent, book.funder(charity, ON).day_rate) == (0, "direct")
    assert book.funder("amrc-charity", ON).inflation == "applicant"
    assert book.funder("wellcome", ON).inflation == "none"
    assert book.funder("none", ON).direct_commission


@pytest.mark.parametrize(
    ("funder", "applicant", "incurred", "allocated", "indirect"),
    [
        ("ukri", "university", 80, 80, 80),
        ("nihr", "university", 80, 80, 80),
        ("nihr", "nhs", 100, 100, 0),  # 100% of direct costs
        ("wellcome", "university", 100, 0, 0),  # directly incurred costs only
        ("amrc-charity", "university", 100, 0, 0),
        ("horizon-europe", "university", 100, 100, 100),
    ],
)
def test_each_funder_pays_a_share_of_each_cost_category_by_applicant(book, funder, applicant, incurred, allocated,
                                                                      indirect):
    share = book.funder_share(funder, applicant, ON)
    assert (share.percent("directly-incurred"), share.percent("directly-allocated"), share.percent("indirect")) == (
        incurred, allocated, indirect)
    assert share.source.strip()


def test_every_row_has_a_source_and_invented_figures_say_illustrative(book):
    for table in ("roles", "services", "uplift"):
        for row in book.rows(table):
            assert row.illustrative, f"{table} {row.key!r} is a placeholder and must say 'illustrative'"
    published = date(2026, 12, 1)  # expense defaults with published figures from this date
    for row in book.rows("expense_defaults"):
        if row.effective < published:
            assert row.illustrative, f"expense_defaults {row.key!r} is a placeholder and must say 'illustrative'"
        else:
            assert not row.illustrative, f"expense_defaults {row.key!r} carries a published figure"
    assert book.exchange_rate("EUR", ON).illustrative, "the budgeting rate is illustrative until finance sets it"
    for table in book.tables:
        for row in book.rows(table):
            assert row.source.strip()


@pytest.mark.parametrize(
    ("key", "before", "after"),
    [
        ("bsl-interpreter", "300.00", "140.00"),  # NUBSLI's upper regional half-day figure
        ("coproducer-expenses", "10.00", "10.00"),  # no published figure: the placeholder stays
    ],
)
def test_published_expense_figures_take_over_on_1_december_2026(book, key, before, after):
    assert book.expense_default(key, date(2026, 11, 30)).amount == Decimal(before)
    assert book.expense_default(key, date(2026, 12, 1)).amount == Decimal(after)


def test_the_bundled_folder_is_the_default(rates_dir, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert bundled_rates_dir().resolve() == rates_dir.resolve()
    assert default_rates_dir() == bundled_rates_dir()
    assert load_rates().origin == str(bundled_rates_dir())


def test_the_environment_variable_selects_another_folder(rates_copy, monkeypatch):
    monkeypatch.setenv(ENV_VAR, str(rates_copy))
    assert default_rates_dir() == rates_copy
    assert load_rates().origin == str(rates_copy)


# --- effective dates ------------------------------------------------------------------------


def test_a_rate_is_not_in_force_the_day_before_it_takes_effect(book):
    takes_effect = date(2024, 9, 25)
    assert book.coproducer_rate(takes_effect).hourly_rate == Decimal("30.00")
    not_yet = "co-producer rate 'standard' is not in force on 2024-09-24: its first row is in force from 2024-09-25"
    with pytest.raises(RateLookupError, match=not_yet):
        book.coproducer_rate(takes_effect - timedelta(days=1))


def test_a_new_version_takes_over_on_its_date_and_history_still_answers(rates_copy, append):
    append(rates_copy, "roles.toml", """
[[roles]]
id = "director"
name = "Director"
effective = 2026-08-01
internal_day_rate = 540.00
external_day_rate = 810.00
source = "illustrative: next year's placeholder"
""")
    book = load_rates(rates_copy)
    assert book.role("director", date(2026, 7, 31)).internal_day_rate == Decimal("520.00")
    assert book.role("director", date(2026, 8, 1)).internal_day_rate == Decimal("540.00")
    assert [r.effective for r in book.versions("roles", "director")] == [date(2025, 8, 1), date(2026, 8, 1)]


def test_an_unknown_item_is_not_the_same_as_one_not_yet_in_force(book):
    with pytest.raises(RateLookupError, match="unknown service 'mentoring'"):
        book.service("mentoring", ON)
    not_yet = "service 'training-workshop' has no rates in force on 2025-07-31: its first row is in force from 2025-08-01"
    with pytest.raises(RateLookupError, match=not_yet):
        book.service("training-workshop", date(2025, 7, 31))


def test_the_fingerprint_ignores_versions_that_are_not_yet_in_force(rates_copy, append, book):
    append(rates_copy, "roles.toml", """
[[roles]]
id = "director"
name = "Director"
effective = 2027-08-01
internal_day_rate = 560.00
external_day_rate = 840.00
source = "illustrative: a later version"
""")
    newer = load_rates(rates_copy)
    assert newer.fingerprint(date(2027, 7, 31)) == book.fingerprint(date(2027, 7, 31))
    assert newer.fingerprint(date(2027, 8, 1)) != book.fingerprint(date(2027, 8, 1))




def test_the_remembered_fingerprint_of_any_day_is_that_of_the_rows_in_force_that_day(rates_copy, append):
    """Fingerprints are remembered from one change of the tables to the next: each day
    around every change (a version taking effect, one retired) still gets its own rows'."""
    append(rates_copy, "services.toml", RETIRED_WORKSHOP)
    book = load_rates(rates_copy)
    changes = {row.effective for rows in book.tables.values() for row in rows}
    changes |= {row.until + timedelta(days=1) for rows in book.tables.values() for row in rows if row.until}
    days = sorted({d + timedelta(days=k) for d in changes for k in (-1, 0, 1)})
    assert date(2027, 7, 1) in days and date(2027, 3, 1) in days
    for day in days + days[::-1]:
        assert book.fingerprint(day) == fingerprint(book.rows_in_force(day)), day


def test_a_retired_item_s_error_keeps_its_retired_version_when_pickled(rates_copy, append):
    """The engine prices with a version retired after the pricing date (``RetiredError.row``):
    a portfolio worker's error reaches the main process with it."""
    import pickle

    from copro_costing.errors import RetiredError

    append(rates_copy, "services.toml", RETIRED_WORKSHOP)
    book = load_rates(rates_copy)
    with pytest.raises(RetiredError) as caught:
        book.in_force("services", "training-workshop", date(2027, 7, 1))
    again = pickle.loads(pickle.dumps(caught.value))
    assert type(again) is RetiredError and str(again) == str(caught.value)
    assert again.row == caught.value.row and again.row is not None and again.row.until == date(2027, 6, 30)


# --- load errors ------------------------------------------------------------------------------


def test_every_problem_in_the_folder_is_reported_at_once_with_file_line_and_field(rates_copy):
    roles = edit(rates_copy / "roles.toml", "internal_day_rate = 260.00", "internal_day_rate = 260.005")
    services = edit(rates_copy / "services.toml", 'internal_policy = "request"', 'internal_policy = "sometimes"')
    roles_line = roles.splitlines().index("internal_day_rate = 260.005") + 1
    services_line = services.splitlines().index('internal_policy = "sometimes"') + 1
    # The officer is the third [[roles]] row; facilitation-day the third [[services]] row.
    assert problems(rates_copy) == [
        f"{rates_copy / 'roles.toml'}:{roles_line}: roles entry 3: internal_day_rate: "
        "amount must have at most 2 decimal places (got 260.005)",
        f"{rates_copy / 'services.toml'}:{services_line}: services entry 3: internal_policy: "
        "expected 'charge', 'free', 'request' or 'case-by-case' (got 'sometimes')",
    ]


def test_a_broken_role_row_does_not_make_the_services_using_that_role_unknown(rates_copy):
    # One mistake, one problem: the director row is written, only its rate is wrong.
    edit(rates_copy / "roles.toml", "internal_day_rate = 520.00", "internal_day_rate = -520.00")
    found = problems(rates_copy)
    assert len(found) == 1, found
    assert "roles entry 1: internal_day_rate: must not be negative (got -520.00)" in found[0]


def test_a_roles_file_that_cannot_be_read_is_one_problem_not_one_per_service(rates_copy):
    text = edit(rates_copy / "roles.toml", 'id = "director"', 'id = "director')  # unclosed string
    line = text.splitlines().index('id = "director') + 1
    (found,) = problems(rates_copy)
    assert found.startswith(f"{rates_copy / 'roles.toml'}:{line}: TOML syntax error")


def test_a_misspelt_field_in_a_rates_file_is_an_error(rates_copy):
    text = edit(rates_copy / "tax.toml", "percent = 20", "percnt = 20")
    line = text.splitlines().index("percnt = 20") + 1
    found = problems(rates_copy)
    assert (
        f"{rates_copy / 'tax.toml'}:{line}: vat entry 1: percnt: unknown field; did you mean 'percent'? "
        "(known: effective, percent, replaced_by, source, until)"
    ) in found
    assert any("vat entry 1: percent: required field is missing" in p for p in found)


def test_a_toml_syntax_error_names_the_line(rates_copy):
    text = edit(rates_copy / "expenses.toml", "amount = 250.00", "amount = 250.00.00")
    line = text.splitlines().index("amount = 250.00.00") + 1
    (found,) = problems(rates_copy)
    assert found.startswith(f"{rates_copy / 'expenses.toml'}:{line}: TOML syntax error")


def test_a_missing_file_is_named_with_what_it_should_hold(rates_copy):
    (rates_copy / "tax.toml").unlink()
    assert problems(rates_copy) == [
        f"{rates_copy / 'tax.toml'}: required rates file is missing (it holds: vat, uplift, vat_recovery)"
    ]


def test_a_missing_folder(tmp_path):
    assert problems(tmp_path / "nowhere") == [f"{tmp_path / 'nowhere'}: rates folder not found"]


def test_two_versions_on_the_same_date_are_refused(rates_copy, append):
    append(rates_copy, "coproducer.toml", """
[[coproducer_rate]]
effective = 2024-09-25
hourly_rate = 32.00
source = "a second version on the same day"
""")
    text = (rates_copy / "coproducer.toml").read_text(encoding="utf-8")
    first = text.splitlines().index("effective = 2024-09-25") + 1
    second = text.splitlines().index("effective = 2024-09-25", first) + 1
    assert problems(rates_copy) == [
        f"{rates_copy / 'coproducer.toml'}:{second}: coproducer_rate entry 2: effective: two versions of 'standard' "
        f"take effect on 2024-09-25 (the other is at line {first}); add a new date instead"
    ]


def test_versions_on_different_dates_are_fine(rates_copy, append):
    append(rates_copy, "coproducer.toml", """
[[coproducer_rate]]
effective = 2026-09-25
hourly_rate = 32.00
source = "illustrative: a later version"
""")
    assert load_rates(rates_copy).coproducer_rate(date(2026, 9, 25)).hourly_rate == Decimal("32.00")


def test_a_service_naming_an_unknown_role(rates_copy):
    text = edit(rates_copy / "services.toml", "effort = { co-production-manager = 0.5 }\ninternal_policy = \"free\"",
                "effort = { co-production-mananger = 0.5 }\ninternal_policy = \"free\"")
    line = text.splitlines().index("effort = { co-production-mananger = 0.5 }") + 1
    assert problems(rates_copy) == [
        f"{rates_copy / 'services.toml'}:{line}: services entry 1: effort.co-production-mananger: unknown role "
        "'co-production-mananger' (roles are: co-production-manager, co-production-officer, director)"
    ]


def test_a_funder_sending_lines_to_a_heading_it_does_not_have(rates_copy):
    text = edit(rates_copy / "funders.toml", 'expense = "Other costs" }', 'expense = "Sundries" }')
    line = next(n for n, t in enumerate(text.splitlines(), start=1) if '"Sundries"' in t)
    assert problems(rates_copy) == [
        f"{rates_copy / 'funders.toml'}:{line}: funders entry 6: heading_for.expense: "
        "heading 'Sundries' is not one of this funder's headings"
    ]


def test_an_unknown_table_in_a_file(rates_copy, append):
    append(rates_copy, "tax.toml", "[[vatt]]\neffective = 2030-01-01\n")
    assert any("tax.toml" in p and "vatt: unknown table (expected [[vat]] or [[uplift]] or [[vat_recovery]])" in p
               for p in problems(rates_copy))


def test_an_amount_is_never_read_as_a_float(book):
    for key in book.keys("roles"):
        assert isinstance(book.role(key, ON).internal_day_rate, Decimal)
    assert book.coproducer_rate(ON).hourly_rate.as_tuple().exponent == -2


def test_rows_are_frozen(book):
    role = book.role("director", ON)
    with pytest.raises(ValidationError, match="frozen"):
        role.internal_day_rate = Decimal("1.00")  # type: ignore[misc]



def test_a_rate_book_built_in_code_cannot_send_lines_to_a_missing_heading(book):
    from copro_costing import InputError, estimate, parse_spec
    from copro_costing.ratebook.models import RateBook

    funders = tuple(
        f.model_copy(update={"headings": f.headings[1:]}) if f.id == "other" else f for f in book.rows("funders")
    )
    spec = parse_spec({"project": {"title": "T", "client": "internal", "funder": "other",
                                   "start": date(2026, 4, 1), "months": 12, "priced_on": date(2026, 4, 1)}})
    with pytest.raises(InputError, match=r"heading_for\.service: heading 'Co-production services' is not one"):
        estimate(spec, RateBook({**book.tables, "funders": funders}))


def test_an_empty_table_is_refused_when_loading_not_only_by_rates_check(rates_copy):
    path = rates_copy / "tax.toml"
    text = path.read_text(encoding="utf-8")
    start = text.index("[[uplift]]")
    path.write_text("uplift = []\n" + text[:start], encoding="utf-8")  # a top-level key: before any table
    found = problems(rates_copy)
    assert len(found) == 1 and "uplift has no rows" in found[0], found


def test_only_the_tables_of_the_last_few_folder_states_are_kept(rates_copy, monkeypatch):
    """A server that runs for years, its tables updated now and then, does not keep every version."""
    import os

    from copro_costing.ratebook import folder

    monkeypatch.setattr(folder, "KEPT", 2)
    tax = rates_copy / "tax.toml"
    text, was = tax.read_text(encoding="utf-8"), tax.stat()
    first = load_rates(rates_copy)
    assert load_rates(rates_copy) is first  # unchanged: not read again
    for percent in ("21", "22"):  # two updates
        tax.write_text(text.replace("percent = 20", f"percent = {percent}", 1), encoding="utf-8")
        load_rates(rates_copy)
    tax.write_text(text, encoding="utf-8")
    os.utime(tax, ns=(was.st_atime_ns, was.st_mtime_ns))  # the first state again, as a restore from backup
    again = load_rates(rates_copy)
    assert again is not first and again.tables == first.tables  # read again: no longer kept
    assert len(folder._LOADED) <= 2
