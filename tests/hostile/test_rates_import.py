"""Hostile workbooks for ``rates import``: exit 2 naming the file, never a crash or a hang.

Each workbook starts as a real export of the bundled rates, then one part of the zip is
damaged the way a hostile or broken file would be.
"""

from __future__ import annotations

import shutil
import time
import zipfile

import pytest
from openpyxl import load_workbook

from copro_costing import cli

MARK = 123456.78
"""A figure put in one cell of the roles sheet, to find that sheet's part in the zip."""



@pytest.fixture
def folder(tmp_path, rates_dir):
    target = tmp_path / "rates"
    shutil.copytree(rates_dir, target)
    return target


@pytest.fixture
def marked(tmp_path, capsys):
    """A rates workbook with MARK in roles!D2 (an internal day rate)."""
    path = tmp_path / "rates.xlsx"
    assert cli.main(["rates", "export", str(path)]) == 0
    wb = load_workbook(path)
    ws = wb["roles"]
    column = [c.value for c in ws[1]].index("internal_day_rate") + 1
    ws.cell(row=2, column=column, value=MARK)
    wb.save(path)
    capsys.readouterr()
    return path


def rewrite(path, change) -> None:
    """Replace the roles sheet's part with ``change(xml bytes)``; other parts copied as they are."""
    with zipfile.ZipFile(path) as old:
        parts = [(info, old.read(info)) for info in old.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as new:
        for info, data in parts:
            if b"<v>123456.78</v>" in data:
                data = change(data)
            new.writestr(info, data)


@pytest.fixture
def refused(capsys, folder):
    """Import ``path`` into a copy of the rates; assert exit 2 naming it and the folder untouched."""

    def call(path, *words: str) -> str:
        before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
        started = time.monotonic()
        code = cli.main(["rates", "import", str(path), str(folder), "--today", "2026-01-15"])
        elapsed = time.monotonic() - started
        _, err = capsys.readouterr()
        assert code == 2, err
        assert "Traceback" not in err and "unexpected error" not in err
        assert f"{path}" in err
        for word in words:
            assert word in err
        assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == before
        assert elapsed < 10, f"took {elapsed:.1f} s"
        return err

    return call


def test_malformed_sheet_xml(marked, refused):
    rewrite(marked, lambda xml: xml.replace(b"<v>123456.78</v>", b"<v>123456.78</v><unclosed", 1))
    refused(marked, "roles")


BILLION_LAUGHS = (
    b'<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (n, b"".join(b"&lol%s;" % (str(n - 1).encode() if n > 1 else b"") for _ in range(10)))
        for n in range(1, 10)
    )
    + b"]>"
)


def test_nested_entities_are_never_expanded(marked, refused):
    def add(xml: bytes) -> bytes:
        head, _, rest = xml.partition(b"?>")
        return head + b"?>" + BILLION_LAUGHS + rest.replace(b"<v>123456.78</v>", b"<v>&lol9;</v>", 1)

    rewrite(marked, add)
    refused(marked, "DOCTYPE")


def test_an_external_entity_is_never_read(marked, refused, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET-TOKEN")

    def add(xml: bytes) -> bytes:
        head, _, rest = xml.partition(b"?>")
        doctype = b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "' + secret.as_uri().encode() + b'">]>'
        return head + b"?>" + doctype + rest.replace(b"<v>123456.78</v>", b"<v>&xxe;</v>", 1)

    rewrite(marked, add)
    err = refused(marked)
    assert "SECRET-TOKEN" not in err


def test_openpyxl_parses_with_defusedxml():
    """openpyxl's documentation: install defusedxml to guard against entity expansion."""
    import openpyxl

    assert openpyxl.DEFUSEDXML is True


def test_a_corrupt_compressed_stream(marked, refused):
    with zipfile.ZipFile(marked) as z:
        (info,) = [i for i in z.infolist() if b"<v>123456.78</v>" in z.read(i)]
    raw = bytearray(marked.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for k in range(start + 20, start + min(info.compress_size, 200)):
        raw[k] ^= 0x5A
    marked.write_bytes(bytes(raw))
    refused(marked)


def test_a_chartsheet_where_a_table_should_be(marked, refused):
    wb = load_workbook(marked)
    index = wb.sheetnames.index("roles")
    wb.remove(wb["roles"])
    wb.create_chartsheet("roles", index)
    wb.save(marked)
    refused(marked, "chart")


@pytest.mark.parametrize(
    ("written", "shown"), [(b"1E400", "got infinity"), (b"1e300", "got 1E+300"), (b"-1E400", "got -infinity")]
)
def test_a_number_far_past_any_rate_is_refused_at_its_cell(marked, refused, written, shown):
    rewrite(marked, lambda xml: xml.replace(b"<v>123456.78</v>", b"<v>" + written + b"</v>", 1))
    err = refused(marked, "roles!")
    assert "far too large" in err and shown in err


def test_one_stray_cell_at_the_last_cell_of_a_sheet_costs_one_cell(marked, refused):
    wb = load_workbook(marked)
    wb["roles"]["XFD1048576"] = "stray"
    wb.save(marked)
    err = refused(marked, "XFD1")
    assert "no name in row 1" in err


def test_not_a_zip_at_all(tmp_path, refused):
    path = tmp_path / "rates.xlsx"
    path.write_bytes(b"PK\x03\x04 not really")
    refused(path, "not a readable Excel workbook")
