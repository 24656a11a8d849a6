"""The workbooks print as finance reads them: LibreOffice prints every sheet to PDF and the
PDF is measured: A4 pages, no text below 8 pt, the page header and footer on every page,
and no wrapped text cut off (every word of the justification is on the page).

Outside CI these tests skip when LibreOffice is absent; under CI=true they fail instead.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from copro_costing import estimate, load_spec
from copro_costing.export.offer_xlsx import write_offer_xlsx
from copro_costing.export.rates_writer import write_rates_workbook
from copro_costing.publishing.offer import build_offer

pytestmark = pytest.mark.spreadsheet
pdfplumber = pytest.importorskip("pdfplumber")

A4 = (595.3, 841.9)


def _pdf(workbook: Path, soffice: str, workdir: Path) -> Path:
    profile = workdir / "print-profile"
    profile.mkdir(parents=True, exist_ok=True)
    subprocess.run([soffice, "--headless", "--norestore", "--nolockcheck", f"-env:UserInstallation={profile.as_uri()}",
                    "--convert-to", "pdf", "--outdir", str(workdir), str(workbook)],
                   capture_output=True, timeout=600, check=True)
    pdf = workdir / (workbook.stem + ".pdf")
    assert pdf.exists(), f"LibreOffice printed no PDF for {workbook.name}"
    return pdf


@pytest.fixture(scope="module")
def printed(tmp_path_factory, soffice, examples_dir, book):
    folder = tmp_path_factory.mktemp("print")
    costing = estimate(load_spec(examples_dir / "hearing-checks.toml"), book)
    workbooks = {
        "costing": costing.to_excel(folder / "costing.xlsx"),
        "offer": write_offer_xlsx(build_offer(book, costing.stamp.priced_on), folder / "offer.xlsx"),
        "rates": write_rates_workbook(book, folder / "rates.xlsx"),
    }
    return costing, {name: _pdf(path, soffice, folder) for name, path in workbooks.items()}


@pytest.mark.parametrize("name", ["costing", "offer", "rates"])
def test_every_page_is_a4_and_no_text_is_below_8_pt(printed, name):
    _, pdfs = printed
    with pdfplumber.open(pdfs[name]) as pdf:
        assert len(pdf.pages) >= 1
        for number, page in enumerate(pdf.pages, 1):
            size = sorted((page.width, page.height))
            assert abs(size[0] - A4[0]) < 1 and abs(size[1] - A4[1]) < 1, f"{name} page {number}: not A4"
            # Upright text only: the chart's rotated axis title has no meaningful "size" in a PDF.
            smallest = min((char["size"] for char in page.chars if char["upright"]), default=12)
            assert smallest >= 7.95, f"{name} page {number}: text printed at {smallest:.1f} pt"


@pytest.mark.parametrize("name", ["costing", "offer", "rates"])
def test_every_page_has_the_header_and_page_n_of_m(printed, name):
    costing, pdfs = printed
    with pdfplumber.open(pdfs[name]) as pdf:
        pages = len(pdf.pages)
        for number, page in enumerate(pdf.pages, 1):
            text = page.extract_text() or ""
            assert f"Page {number} of " in text, f"{name} page {number}: no 'page N of M'"
            if name == "costing":
                assert costing.spec.project.title in text and costing.spec.project.reference in text
                assert costing.stamp.sha256[:12] in text, "the rates stamp"
        assert pages >= 1


def test_wrapped_justification_is_printed_whole(printed):
    costing, pdfs = printed
    with pdfplumber.open(pdfs["costing"]) as pdf:
        words = set(" ".join((page.extract_text() or "") for page in pdf.pages).split())
    expected = set(costing.justification().split())
    missing = sorted(expected - words)
    assert len(missing) <= len(expected) // 50, f"words cut off the printed justification: {missing[:20]}"
