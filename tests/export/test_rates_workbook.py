"""The rates workbook: ``rates export`` writes the tables to Excel, ``rates import`` reads them back checked."""

from __future__ import annotations

import tempfile
import time
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from copro_costing import load_rates
from copro_costing.atomic import write_files_atomic
from copro_costing.cli import main
from copro_costing.export.rates_import import import_workbook
from copro_costing.export.rates_reader import cell_decimal, check_workbook, percent_format
from copro_costing.export.rates_writer import write_rates_workbook
from copro_costing.ratebook.columns import item_label
from copro_costing.ratebook.folder import FILES, TABLE_FILE
from copro_costing.ratebook.models import APPLICANTS, CATEGORIES, ROW_TYPES, RateBook

TODAY = date(2026, 1, 15)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}



# The workbook: export and import --------------------------------------------------------------


def test_export_one_sheet_per_table_with_drop_downs(rates_dir: Path, tmp_path: Path, capsys):
    out = tmp_path / "rates.xlsx"
    assert main(["rates", "export", str(out), "--rates", str(rates_dir)]) == 0
    wb = load_workbook(out)
    assert wb.sheetnames == ["about", *ROW_TYPES]
    book = load_rates(rates_dir)
    for table in ROW_TYPES:
        ws = wb[table]
        assert ws.max_row == 1 + len(book.rows(table))
    roles = wb["roles"]
    header = [c.value for c in roles[1]]
    assert header == ["id", "name", "effective", "internal_day_rate", "external_day_rate", "direct_day_rate",
                      "currency", "source", "until", "replaced_by"]
    assert roles["D2"].value == 520 and roles["D2"].number_format == "#,##0.00"
    services = [c.value for c in wb["services"][1]]
    assert "effort.co-production-manager" in services and "coproducers.prep_hours" in services
    funders = [c.value for c in wb["funders"][1]]
    assert {"headings.6", "headings.6.category", "headings.6.base", "heading_for.staff"} <= set(funders)
    assert [c.value for c in wb["funder_shares"][1]][:7] == [
        "funder", "applicant", "effective", "directly_incurred", "directly_allocated", "indirect", "exception"]
    assert [c.value for c in wb["coproducer_rate"][1]][:4] == ["tier", "name", "effective", "hourly_rate"]

    def lists(ws):
        return {(dv.formula1, str(dv.sqref)) for dv in ws.data_validations.dataValidation if dv.type == "list"}

    col = {name: i for i, name in enumerate(services)}
    policy_letter = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[col["internal_policy"]]
    assert ('"charge,free,request,case-by-case"', f"{policy_letter}2:{policy_letter}1048576") in lists(wb["services"])
    funder_lists = {f for f, _ in lists(wb["funders"])}
    assert {'"applicant,none"', '"full,direct"', '"charge-out,staff"',
            '"directly-incurred,directly-allocated,indirect,exception"'} <= funder_lists
    assert any(f == '"university,nhs,charity,business,public-body"' for f, _ in lists(wb["funder_shares"]))
    assert any(f == '"GBP"' for f, _ in lists(roles))


def test_round_trip_of_the_bundled_tables_changes_nothing(rates: Path, tmp_path: Path, capsys):
    before = snapshot(rates)
    xlsx = tmp_path / "rates.xlsx"
    assert main(["rates", "export", str(xlsx), "--rates", str(rates)]) == 0
    assert main(["rates", "import", str(xlsx), str(rates), "--today", "2026-01-15"]) == 0
    assert "Wrote nothing (no changes)" in capsys.readouterr().out
    assert snapshot(rates) == before


def test_round_trip_into_an_empty_folder_is_exact(rates_dir: Path, tmp_path: Path):
    book = load_rates(rates_dir)
    xlsx = write_rates_workbook(book, tmp_path / "rates.xlsx")
    target = tmp_path / "new"
    target.mkdir()
    result = import_workbook(xlsx, target, today=TODAY)
    assert sorted(result.written) == sorted(FILES)
    again = load_rates(target)
    assert again.tables == book.tables
    assert again.fingerprint(TODAY) == book.fingerprint(TODAY)
    for file in FILES:
        text = (target / file).read_text(encoding="utf-8")
        assert text.startswith(f"#:schema ./schema/{Path(file).stem}.schema.json\n")
        # The writer reproduces the shipped files' rows exactly; only the header and the comments
        # between rows (which a new folder has no copy of) may differ.
        shipped = (rates_dir / file).read_text(encoding="utf-8")

        def rows_of(toml: str) -> list[str]:
            return [line for line in toml[toml.index("\n[["):].splitlines() if line and not line.startswith("#")]

        assert rows_of(text) == rows_of(shipped)


def edit_workbook(rates_dir: Path, tmp_path: Path, change) -> Path:
    """Export the bundled tables, apply ``change(workbook)``, save; return the path."""
    path = tmp_path / "rates.xlsx"
    write_rates_workbook(load_rates(rates_dir), path)
    wb = load_workbook(path)
    change(wb)
    wb.save(path)
    return path


def add_role_row(wb, values: dict[str, object]) -> int:
    ws = wb["roles"]
    header = [c.value for c in ws[1]]
    row = ws.max_row + 1
    base = {"id": "director", "name": "Director", "effective": date(2026, 8, 1), "internal_day_rate": 546,
            "external_day_rate": 819, "currency": "GBP", "source": "Finance rate card 2026/27"}
    for name, value in {**base, **values}.items():
        if value is not None:
            ws.cell(row=row, column=header.index(name) + 1, value=value)
    return row


def test_import_a_new_row_writes_only_that_file_and_keeps_its_header(rates: Path, rates_dir: Path, tmp_path: Path, capsys):
    xlsx = edit_workbook(rates_dir, tmp_path, lambda wb: add_role_row(wb, {}))
    before = snapshot(rates)
    assert main(["rates", "import", str(xlsx), str(rates), "--today", "2026-01-15"]) == 0
    out = capsys.readouterr().out
    assert "added: roles/director from 2026-08-01" in out
    assert "Wrote roles.toml" in out
    after = snapshot(rates)
    assert {name for name in after if after[name] != before[name]} == {"roles.toml"}
    text = (rates / "roles.toml").read_text(encoding="utf-8")
    old = before["roles.toml"].decode("utf-8")
    assert text.startswith(old[: old.index("[[roles]]")])  # header comments kept
    book = load_rates(rates)
    assert book.role("director", date(2026, 8, 1)).internal_day_rate == Decimal("546.00")
    assert book.role("director", date(2026, 7, 31)).internal_day_rate == Decimal("520.00")


def refused(xlsx: Path, rates: Path, capsys, *extra: str) -> list[str]:
    """Import must fail with exit 2, write nothing, and print one line per problem."""
    before = snapshot(rates)
    code = main(["rates", "import", str(xlsx), str(rates), "--today", "2026-01-15", *extra])
    err = capsys.readouterr().err
    assert code == 2
    assert snapshot(rates) == before, "nothing may be written"
    assert err.splitlines()[-1].endswith("; nothing was written")
    return err.splitlines()[:-1]


def test_renamed_sheet(rates: Path, rates_dir: Path, tmp_path: Path, capsys):
    def rename(wb):
        wb["roles"].title = "Staff roles"

    problems = refused(edit_workbook(rates_dir, tmp_path, rename), rates, capsys)
    assert problems == [
        f"{tmp_path / 'rates.xlsx'}:Staff roles: sheet 'Staff roles' is not a rates table; expected 'roles', which is "
        "missing: was it renamed? (tables: roles, coproducer_rate, expense_defaults, vat, uplift, vat_recovery, funders, "
        "funder_shares, exchange_rates, services)"
    ]


def test_renamed_column(rates: Path, rates_dir: Path, tmp_path: Path, capsys):
    def rename(wb):
        wb["roles"]["D1"] = "internal rate"

    problems = refused(edit_workbook(rates_dir, tmp_path, rename), rates, capsys)
    assert problems == [
        f"{tmp_path / 'rates.xlsx'}:roles!D1: internal rate: 'internal rate' is not a column of roles; "
        "expected 'internal_day_rate', which is missing: was it renamed?"
    ]


@pytest.mark.parametrize(("value", "message"), [
    (-5, "must not be negative"),
    (546.125, "at most 2 decimal places (got 546.125)"),
    ("lots", "must be a number such as 15.00 (got 'lots')"),
])
def test_bad_amount_in_a_cell(rates: Path, rates_dir: Path, tmp_path: Path, capsys, value, message):
    row = 0

    def change(wb):
        nonlocal row
        row = add_role_row(wb, {"internal_day_rate": value})

    problems = refused(edit_workbook(rates_dir, tmp_path, change), rates, capsys)
    assert len(problems) == 1
    assert problems[0].startswith(f"{tmp_path / 'rates.xlsx'}:roles!D{row}: internal_day_rate: ")
    assert message in problems[0]


def test_a_date_cell_that_is_not_a_date(rates: Path, rates_dir: Path, tmp_path: Path, capsys):
    xlsx = edit_workbook(rates_dir, tmp_path, lambda wb: add_role_row(wb, {"effective": "next August"}))
    problems = refused(xlsx, rates, capsys)
    assert len(problems) == 1 and ":roles!C5: effective: " in problems[0] and "date" in problems[0]


def test_two_versions_on_the_same_date_in_the_workbook(rates: Path, rates_dir: Path, tmp_path: Path, capsys):
    problems = refused(
        edit_workbook(rates_dir, tmp_path, lambda wb: add_role_row(wb, {"effective": date(2025, 8, 1)})), rates, capsys,
    )
    assert problems == [
        f"{tmp_path / 'rates.xlsx'}:roles!C5: effective: two versions of 'director' take effect on 2025-08-01 "
        "(the other is at roles!C2); add a new date instead"
    ]


def test_a_service_naming_a_role_that_does_not_exist_in_the_workbook(rates: Path, rates_dir: Path, tmp_path: Path, capsys):
    def change(wb):
        ws = wb["services"]
        col = ws.max_column + 1
        ws.cell(row=1, column=col, value="effort.project-lead")
        ws.cell(row=2, column=col, value=1)

    problems = refused(edit_workbook(rates_dir, tmp_path, change), rates, capsys)
    assert len(problems) == 1
    assert ":services!" in problems[0] and "2: effort.project-lead: unknown role 'project-lead'" in problems[0]


def test_formulas_are_not_read(rates: Path, rates_dir: Path, tmp_path: Path, capsys):
    xlsx = edit_workbook(rates_dir, tmp_path, lambda wb: add_role_row(wb, {"internal_day_rate": "=D2*1.05"}))
    problems = refused(xlsx, rates, capsys)
    assert problems == [f"{xlsx}:roles!D5: internal_day_rate: this cell holds a formula; type the value itself"]


def test_missing_and_broken_workbooks(rates: Path, tmp_path: Path, capsys):
    assert refused(tmp_path / "nope.xlsx", rates, capsys) == [f"{tmp_path / 'nope.xlsx'}: file not found"]
    broken = tmp_path / "broken.xlsx"
    broken.write_text("not a workbook")
    problems = refused(broken, rates, capsys)
    assert len(problems) == 1 and "not a readable Excel workbook" in problems[0]


def test_text_that_looks_like_a_formula_stays_text(rates_dir: Path, tmp_path: Path):
    book = load_rates(rates_dir)
    role = book.rows("roles")[0].model_copy(update={"name": "=HYPERLINK(\"x\")", "source": "+44 budget line"})
    tables = dict(book.tables)
    tables["roles"] = (role, *book.rows("roles")[1:])
    xlsx = write_rates_workbook(RateBook(tables, book.origin, book.files), tmp_path / "r.xlsx")
    cell = load_workbook(xlsx)["roles"]["B2"]
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("x")'
    read, problems = check_workbook(xlsx, TODAY)
    assert problems == [] and read.rows["roles"][0][0] == role


@pytest.mark.parametrize(("value", "fmt", "expected"), [
    (520, "#,##0.00", "520.00"),
    (0.1, "General", "0.1"),
    (1.5, "0.00", "1.50"),
    (12.3456, "General", "12.3456"),
    (20.0, "General", "20"),
    (546.125, "#,##0.00", "546.125"),  # shown as 546.13 by Excel, kept exact so the model refuses it
])
def test_cell_decimal_is_exact(value, fmt, expected):
    assert str(cell_decimal(value, fmt)) == expected


def add_vat_row(wb, percent: object, number_format: str) -> int:
    ws = wb["vat"]
    row = ws.max_row + 1
    ws.cell(row=row, column=1, value=date(2026, 8, 1))
    cell = ws.cell(row=row, column=2, value=percent)
    cell.number_format = number_format
    ws.cell(row=row, column=3, value="HMRC")
    return row


@pytest.mark.parametrize("number_format", ["0%", "0.00%", "#,##0.0%;[Red]-#,##0.0%"])
def test_a_percentage_typed_as_a_percentage_is_refused(rates: Path, rates_dir: Path, tmp_path: Path, capsys, number_format):
    # Typing "20%" into Excel stores 0.2 in a cell formatted as a percentage.
    xlsx = edit_workbook(rates_dir, tmp_path, lambda wb: add_vat_row(wb, 0.2, number_format))
    problems = refused(xlsx, rates, capsys)
    assert len(problems) == 1
    assert problems[0].startswith(f"{xlsx}:vat!B3: percent: this cell has a percentage format, so Excel holds 0.2")
    assert "type 20 for 20%, not a percentage format" in problems[0]


def test_a_percent_sign_shown_as_text_is_not_a_percentage_format(rates: Path, rates_dir: Path, tmp_path: Path, capsys):
    xlsx = edit_workbook(rates_dir, tmp_path, lambda wb: add_vat_row(wb, 20, '0"%"'))
    assert main(["rates", "import", str(xlsx), str(rates), "--today", "2026-01-15"]) == 0
    assert load_rates(rates).vat(date(2026, 8, 1)).percent == Decimal(20)


@pytest.mark.parametrize(("number_format", "expected"), [
    ("0%", True), ("0.00%", True), ("General", False), ("#,##0.00", False), ('0"%"', False), ("0\\%", False),
    ('[Red]0.0%;[Blue]-0.0%', True), ("[$%-809]0.00", False), (None, False),
])
def test_percent_format(number_format, expected):
    assert percent_format(number_format) is expected


def test_an_error_cell_is_refused(rates: Path, rates_dir: Path, tmp_path: Path, capsys):
    row = 0

    def change(wb):
        nonlocal row
        row = add_role_row(wb, {"internal_day_rate": "#REF!"})
        assert wb["roles"].cell(row=row, column=4).data_type == "e"

    xlsx = edit_workbook(rates_dir, tmp_path, change)
    assert refused(xlsx, rates, capsys) == [
        f"{xlsx}:roles!D{row}: internal_day_rate: this cell shows an error (#REF!); type the value itself"
    ]


def test_an_empty_sheet_is_held_to_the_same_rule_as_an_empty_table(rates: Path, rates_dir: Path, tmp_path: Path, capsys):
    xlsx = edit_workbook(rates_dir, tmp_path, lambda wb: wb["uplift"].delete_rows(2, wb["uplift"].max_row))
    assert refused(xlsx, rates, capsys) == [
        f"{xlsx}:uplift: uplift has no rows: every table needs at least one, or a costing that needs it cannot be priced"
    ]


# History: old rows are never changed or removed by accident ---------------------------------------


def delete_column(sheet: str, name: str):
    def change(wb):
        ws = wb[sheet]
        ws.delete_cols([c.value for c in ws[1]].index(name) + 1)
    return change


def test_import_refuses_a_deleted_effort_column_that_changes_old_services(rates: Path, rates_dir: Path, tmp_path: Path, capsys):
    xlsx = edit_workbook(rates_dir, tmp_path, delete_column("services", "effort.director"))
    problems = refused(xlsx, rates, capsys)
    users = [s for s in load_rates(rates_dir).rows("services") if "director" in s.effort]
    assert len(problems) == len(users) == 2
    for problem, service in zip(problems, users, strict=True):
        assert problem.startswith(f"{xlsx}:services!A")
        assert problem.split(": ", 1)[1] == (
            f"services/{service.id} from {service.effective.isoformat()} is already in the rates folder and this "
            f"row changes it (effort.director: {service.effort['director']} → empty): a costing priced with it "
            "would no longer reproduce. Keep the old values, putting back the deleted column effort.director, and "
            "add a new row with a new effective date for new figures; to correct a mistake on purpose, import with "
            "--allow-history-edit"
        )


def test_import_refuses_a_deleted_heading_column(rates: Path, rates_dir: Path, tmp_path: Path, capsys):
    # Only UKRI has a ninth heading (Exceptions): deleting its columns changes that old row.
    def change(wb):
        for column in ("headings.9.base", "headings.9.category", "headings.9"):
            delete_column("funders", column)(wb)

    problems = refused(edit_workbook(rates_dir, tmp_path, change), rates, capsys)
    assert len(problems) == 1
    assert "funders/ukri from 2024-04-01 is already in the rates folder" in problems[0]
    assert "'Exceptions'" in problems[0] and "→ empty" in problems[0]


def test_import_refuses_a_heading_without_its_name(rates: Path, rates_dir: Path, tmp_path: Path, capsys):
    # The name column of the sixth heading deleted, its category left: every funder with six headings.
    problems = refused(edit_workbook(rates_dir, tmp_path, delete_column("funders", "headings.6")), rates, capsys)
    with_six = [f.id for f in load_rates(rates_dir).rows("funders") if len(f.headings) >= 6]
    assert len(problems) == len(with_six) == 3
    assert all("headings.6: required field is missing" in p for p in problems)


def test_import_refuses_a_changed_old_value_and_points_at_its_cell(rates: Path, rates_dir: Path, tmp_path: Path, capsys):
    def change(wb):
        wb["roles"]["D2"] = 521  # the director's internal day rate from 2025-08-01 (was 520)

    xlsx = edit_workbook(rates_dir, tmp_path, change)
    assert refused(xlsx, rates, capsys) == [
        f"{xlsx}:roles!D2: roles/director from 2025-08-01 is already in the rates folder and this row changes it "
        "(internal_day_rate: 520.00 → 521.00): a costing priced with it would no longer reproduce. Keep the old "
        "values and add a new row with a new effective date for new figures; to correct a mistake on purpose, "
        "import with --allow-history-edit"
    ]


def test_import_refuses_to_remove_an_old_row(rates: Path, rates_dir: Path, tmp_path: Path, capsys):
    def move(wb):  # the director's only version now starts a month earlier: the old row is gone
        wb["roles"]["C2"] = date(2025, 7, 1)

    xlsx = edit_workbook(rates_dir, tmp_path, move)
    problems = refused(xlsx, rates, capsys)
    line = (rates / "roles.toml").read_text(encoding="utf-8").splitlines().index("[[roles]]") + 1
    assert problems == [
        f"{xlsx}:roles: roles/director from 2025-08-01 is in the rates folder (roles.toml, line {line}) but not on "
        "this sheet: a costing priced with it would no longer reproduce. Put the row back (to change a rate, add a "
        "new row with a new effective date); to remove it on purpose, import with --allow-history-edit"
    ]


def test_a_deliberate_history_edit_is_written_with_a_warning(rates: Path, rates_dir: Path, tmp_path: Path, capsys):
    def change(wb):
        wb["roles"]["D2"] = 521  # director's internal day rate, 2025-08-01 (was 520)
        add_role_row(wb, {})

    xlsx = edit_workbook(rates_dir, tmp_path, change)
    refused(xlsx, rates, capsys)
    assert main(["rates", "import", str(xlsx), str(rates), "--today", "2026-01-15", "--allow-history-edit"]) == 0
    out, err = capsys.readouterr()
    assert "added: roles/director from 2026-08-01" in out and "changed: roles/director from 2025-08-01" in out
    assert ("copro-costing: warning: roles/director from 2025-08-01 was changed: a costing priced with it will not "
            "reproduce; add a new dated row instead") in err
    assert load_rates(rates).role("director", date(2025, 8, 1)).internal_day_rate == Decimal("521.00")


def test_import_refuses_to_overwrite_a_file_it_cannot_read(rates: Path, rates_dir: Path, tmp_path: Path, capsys):
    xlsx = edit_workbook(rates_dir, tmp_path, lambda wb: add_role_row(wb, {}))
    (rates / "roles.toml").write_text("[[roles]\nthis is not TOML\n", encoding="utf-8")
    assert refused(xlsx, rates, capsys) == [
        f"{rates / 'roles.toml'}: this file has problems of its own (see copro-costing rates check), so the import "
        "cannot tell whether it changes rows already there: fix the file first, or import with --allow-history-edit"
    ]
    assert main(["rates", "import", str(xlsx), str(rates), "--today", "2026-01-15", "--allow-history-edit"]) == 0
    assert load_rates(rates).role("director", date(2026, 8, 1)).internal_day_rate == Decimal("546.00")


# Writing several files --------------------------------------------------------------------------


def test_write_files_atomic_writes_every_temporary_before_replacing_anything(tmp_path: Path):
    first, second = tmp_path / "a.toml", tmp_path / "b.toml"
    first.write_text("old a", encoding="utf-8")
    second.write_text("old b", encoding="utf-8")
    with pytest.raises(FileNotFoundError):
        write_files_atomic({first: b"new a", second: b"new b", tmp_path / "missing" / "c.toml": b"new c"})
    assert first.read_text(encoding="utf-8") == "old a" and second.read_text(encoding="utf-8") == "old b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.toml", "b.toml"]  # no temporaries left
    assert write_files_atomic({first: b"new a", second: b"new b"}) == [first, second]
    assert first.read_text(encoding="utf-8") == "new a" and second.read_text(encoding="utf-8") == "new b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.toml", "b.toml"]


def test_import_writes_through_the_multi_file_helper(rates: Path, rates_dir: Path, tmp_path: Path, monkeypatch):
    import copro_costing.export.rates_import as rates_xlsx

    calls = []
    monkeypatch.setattr(rates_xlsx, "write_files_atomic", lambda files: calls.append(dict(files)))
    xlsx = edit_workbook(rates_dir, tmp_path, lambda wb: add_role_row(wb, {}))
    import_workbook(xlsx, rates, today=TODAY)
    assert [sorted(p.name for p in c) for c in calls] == [["roles.toml"]]


# The rates workbook's bytes ----------------------------------------------------------------------


def test_rates_export_gives_the_same_bytes_every_time(rates_dir: Path, tmp_path: Path):
    book = load_rates(rates_dir)
    first = write_rates_workbook(book, tmp_path / "a.xlsx").read_bytes()
    time.sleep(1.1)
    second = write_rates_workbook(book, tmp_path / "b.xlsx").read_bytes()
    assert first == second
    latest = max(row.effective for rows in book.tables.values() for row in rows)
    wb = load_workbook(tmp_path / "a.xlsx")
    assert wb.properties.modified == wb.properties.created == datetime.combine(latest, datetime.min.time())
    with zipfile.ZipFile(tmp_path / "a.xlsx") as archive:
        assert len({info.date_time for info in archive.infolist()}) == 1, "one fixed time, not the clock"


def test_every_workbook_is_written_with_xlsxwriter_and_openpyxl_only_reads(root: Path):
    package = root / "src" / "copro_costing"
    writers = [p.relative_to(package).as_posix() for p in package.rglob("*.py")
               if "import openpyxl" in p.read_text(encoding="utf-8") or "from openpyxl" in p.read_text(encoding="utf-8")]
    assert sorted(writers) == ["export/rates_reader.py", "export/workbook_read.py"], (
        "openpyxl reads the rates workbook back (opened safely by workbook_read); nothing else uses it"
    )
    assert not (package / "export" / "workbook_file.py").exists()


def test_import_labels_are_the_item_labels_of_rates_diff(rates: Path, rates_dir: Path, tmp_path: Path, monkeypatch):
    import copro_costing.export.rates_import as rates_xlsx

    xlsx = edit_workbook(rates_dir, tmp_path, lambda wb: add_role_row(wb, {}))
    assert rates_xlsx._label("vat", load_rates(rates_dir).vat(TODAY)) == "vat from 2011-01-04"
    # One way of naming an item: the import's labels are ratecolumns.item_label's, as in `rates diff`.
    monkeypatch.setattr(rates_xlsx, "item_label", lambda table, row: f"<{item_label(table, row)}>")
    result = import_workbook(xlsx, rates, today=TODAY)
    assert result.added == ("<roles/director> from 2026-08-01",)


# The property: TOML -> xlsx -> TOML is lossless -------------------------------------------------

FIRST = date(2020, 1, 1)
PROPERTY_TODAY = date(2030, 6, 1)
ident = st.from_regex(r"\A[a-z0-9]{1,8}(-[a-z0-9]{1,6}){0,2}\Z")
text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Cn"), blacklist_characters="\u2028\u2029\x85")
    | st.sampled_from("\n\t=-+@\"'\\#[]{}"),
    min_size=1, max_size=25,
).filter(lambda s: s.strip() != "")


def decimals(low: int, high: int, max_places: int):
    """Decimals with 0..max_places written places, trailing zeros included (1.50 is not 1.5)."""
    return st.builds(lambda n, p: Decimal(n).scaleb(-p), st.integers(low, high), st.integers(0, max_places))


money = st.builds(lambda n: Decimal(n).scaleb(-2), st.integers(0, 10**9))
positive_money = st.builds(lambda n: Decimal(n).scaleb(-2), st.integers(1, 10**9))  # a co-producer rate is never 0
quantity = decimals(1, 5000, 2)
percent = decimals(0, 100, 4).filter(lambda d: d <= 100) | decimals(0, 1000000, 4).filter(lambda d: d <= 100)
later_dates = st.dates(min_value=date(2020, 1, 2), max_value=date(2032, 5, 31))


@st.composite
def versions(draw, make):
    """Rows for one item: the first in force from FIRST, later ones on distinct dates."""
    dates = [FIRST, *sorted(draw(st.sets(later_dates, max_size=2)))]
    return [draw(make(day)) for day in dates]


positive_money = st.builds(lambda n: Decimal(n).scaleb(-2), st.integers(1, 10**9))


def role(key):
    return lambda day: st.fixed_dictionaries({
        "id": st.just(key), "name": text, "effective": st.just(day), "internal_day_rate": money,
        "external_day_rate": money, "source": text,
    }, optional={"direct_day_rate": money, "until": st.dates(min_value=day, max_value=date(2032, 5, 31))})


def tier(key):
    return lambda day: st.fixed_dictionaries({
        "tier": st.just(key), "name": text, "effective": st.just(day), "hourly_rate": positive_money, "source": text,
    })


def flat(key, field, values):
    return lambda day: st.fixed_dictionaries({"effective": st.just(day), field: values, "source": text})


def expense(key):
    return lambda day: st.fixed_dictionaries({
        "id": st.just(key), "name": text, "effective": st.just(day), "amount": money, "unit": text, "source": text,
    })


KINDS = ("service", "involvement", "involvement_expenses", "expense")


@st.composite
def funder_row(draw, key, day):
    names = draw(st.lists(text, min_size=1, max_size=7, unique_by=str.strip))
    headings = [{"name": n, "category": draw(st.sampled_from(CATEGORIES)), "base": draw(st.booleans())} for n in names]
    pick = st.sampled_from(names)
    row = {
        "id": key, "name": draw(text), "effective": day, "inflation": draw(st.sampled_from(["applicant", "none"])),
        "day_rate": draw(st.sampled_from(["full", "direct"])), "unit_time": draw(st.sampled_from(["charge-out", "staff"])),
        "indirect_percent": draw(percent), "currency": draw(st.sampled_from(["GBP", "EUR"])),
        "vat": draw(st.sampled_from(["all", "irrecoverable", "none"])), "headings": headings,
        "heading_for": {k: draw(pick) for k in KINDS},
        "source": draw(text),
    }
    if draw(st.booleans()):
        row["heading_for"]["staff"] = draw(pick)
    if draw(st.booleans()):
        row["heading_for_external"] = {k: draw(pick) for k in draw(st.sets(st.sampled_from(KINDS), min_size=1))}
    if draw(st.booleans()):
        row["notes"] = draw(text)
    return row


def share_row(funder, applicant):
    return lambda day: st.fixed_dictionaries({
        "funder": st.just(funder), "applicant": st.just(applicant), "effective": st.just(day),
        "directly_incurred": percent, "directly_allocated": percent, "indirect": percent, "exception": percent,
        "source": text,
    })


def exchange_row(day):
    rate = decimals(1, 10**7, 6)
    return st.fixed_dictionaries({"currency": st.just("EUR"), "effective": st.just(day), "rate": rate, "source": text})


@st.composite
def service_row(draw, key, day, roles):
    chosen = draw(st.lists(st.sampled_from(roles), min_size=1, unique=True))
    row = {
        "id": key, "name": draw(text), "description": draw(text), "unit": draw(text), "effective": day,
        "effort": {r: draw(quantity) for r in chosen},
        "internal_policy": draw(st.sampled_from(["charge", "free", "request", "case-by-case"])),
        "vat": draw(st.sampled_from(["standard", "exempt"])), "vat_source": draw(text),
        "source": draw(text),
    }
    if draw(st.booleans()):
        row["coproducers"] = {"people": draw(st.integers(1, 50)), "hours": draw(quantity),
                              "prep_hours": draw(decimals(0, 500, 2))}
    return row


@st.composite
def books(draw) -> RateBook:
    role_ids = draw(st.lists(ident, min_size=1, max_size=3, unique=True))
    raw: dict[str, list[dict]] = {table: [] for table in ROW_TYPES}
    for key in role_ids:
        raw["roles"] += draw(versions(role(key)))
    for key in draw(st.lists(ident, min_size=1, max_size=2, unique=True)):
        raw["coproducer_rate"] += draw(versions(tier(key)))
    raw["exchange_rates"] = draw(versions(exchange_row))
    raw["vat"] = draw(versions(flat("", "percent", percent)))
    raw["uplift"] = draw(versions(flat("", "percent", percent)))
    for key in draw(st.lists(ident, min_size=1, max_size=2, unique=True)):
        raw["expense_defaults"] += draw(versions(expense(key)))
    for key in draw(st.lists(ident, min_size=1, max_size=2, unique=True)):
        raw["funders"] += draw(versions(lambda day, key=key: funder_row(key, day)))
        for applicant in draw(st.sets(st.sampled_from(APPLICANTS), min_size=1, max_size=2)):
            raw["funder_shares"] += draw(versions(share_row(key, applicant)))
    for key in draw(st.lists(ident, min_size=1, max_size=3, unique=True)):
        raw["services"] += draw(versions(lambda day, key=key: service_row(key, day, role_ids)))
    for rows in raw.values():  # rows of different items interleave in a real file
        draw(st.randoms()).shuffle(rows)
    tables = {table: tuple(ROW_TYPES[table].model_validate(r) for r in rows) for table, rows in raw.items()}
    return RateBook(tables, "generated", dict(TABLE_FILE))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(book=books())
def test_toml_to_xlsx_to_toml_is_lossless(book: RateBook):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "rates"
        folder.mkdir()
        xlsx = write_rates_workbook(book, Path(tmp) / "rates.xlsx")
        import_workbook(xlsx, folder, today=PROPERTY_TODAY)
        again = load_rates(folder)
    assert again.tables == book.tables
    for table in ROW_TYPES:  # exactly as written: 1.50 stays 1.50, so fingerprints match
        assert [r.model_dump(mode="json") for r in again.rows(table)] == [r.model_dump(mode="json") for r in book.rows(table)]
    for day in (FIRST, PROPERTY_TODAY):
        assert again.fingerprint(day) == book.fingerprint(day)




@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="named pipes are a POSIX thing")
def test_a_named_pipe_given_as_the_workbook_is_refused_not_waited_on(rates: Path, tmp_path: Path, capsys):
    import os

    fifo = tmp_path / "rates.xlsx"
    os.mkfifo(fifo)
    assert main(["rates", "import", str(fifo), str(rates)]) == 2
    assert f"{fifo}: expected a file, found a pipe or device" in capsys.readouterr().err
