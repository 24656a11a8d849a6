"""The portfolio report: every figure reconciles, to the penny, with the costings' own JSON.

The reference figures are computed here from what ``copro-costing quote FILE --format
json`` prints for each file and the file's own ``[status]``, never typed in.
"""

from __future__ import annotations

import json
import shutil
import tomllib
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from copro_costing import InputError, portfolio
from copro_costing.portfolio_report import examples_dir
from copro_costing.portfolio_report.text import code_span
from copro_costing.portfolio_report.years import financial_year, fy_label

EXAMPLES = examples_dir()
WON = {"awarded", "delivered"}
MONEY = Decimal("0.01")



@pytest.fixture
def own(run):
    """Each example file's own quote JSON and its [status], as a person checking the report would read them."""
    out = []
    for path in sorted(EXAMPLES.glob("*.toml")):
        code, text, _ = run("quote", path, "--format", "json")
        assert code == 0
        status = tomllib.loads(path.read_text(encoding="utf-8")).get("status", {"stage": "draft"})
        out.append((path, json.loads(text), status))
    return out


def _sum(values) -> Decimal:
    return sum((Decimal(v) for v in values), Decimal("0.00"))


def test_the_example_portfolio_covers_every_stage_and_both_clients(own):
    assert {s["stage"] for _, _, s in own} == {"draft", "submitted", "awarded", "declined", "withdrawn", "delivered"}
    assert {j["project"]["client"] for _, j, _ in own} == {"internal", "external"}
    assert any("status" not in tomllib.loads(p.read_text()) for p, _, _ in own), "one file has no [status]: a draft"


def test_json_figures_reconcile_with_each_costings_own_json(run, own):
    code, text, _ = run("portfolio", EXAMPLES, "--format", "json")
    assert code == 0
    report = json.loads(text)
    assert list(report)[:9] == ["costings", "by_stage", "by_financial_year", "by_client", "given_free_internal",
                                "coproducer_payments", "success_rate", "left_out", "currency"]
    assert report["costings"] == len(own)
    for stage, figures in report["by_stage"].items():
        mine = [j for _, j, s in own if s["stage"] == stage]
        assert figures == {"count": len(mine), "price": str(_sum(j["totals"]["price"] for j in mine))}
    for client in ("internal", "external"):
        assert report["by_client"][client] == str(_sum(j["totals"]["price"] for _, j, _ in own
                                                       if j["project"]["client"] == client))
    internal_won = [j for _, j, s in own if s["stage"] in WON and j["project"]["client"] == "internal"]
    assert report["given_free_internal"] == str(_sum(j["totals"]["waived"] for j in internal_won))

    def coproducer(j):
        return _sum(line["amount"] for line in j["lines"] if line["kind"] == "involvement")

    assert report["coproducer_payments"] == {
        "budgeted": str(sum((coproducer(j) for _, j, _ in own), Decimal("0.00"))),
        "awarded": str(sum((coproducer(j) for _, j, s in own if s["stage"] in WON), Decimal("0.00"))),
    }
    won = sum(1 for _, _, s in own if s["stage"] in WON)
    decided = sum(1 for _, _, s in own if s["stage"] in WON | {"declined"})
    assert report["success_rate"] == str((Decimal(won) / decided).quantize(MONEY, rounding="ROUND_HALF_UP"))
    assert report["left_out"] == []


def test_financial_years_add_up_to_each_costings_price_and_sit_in_its_dates(run, own):
    report = json.loads(run("portfolio", EXAMPLES, "-f", "json")[1])
    years = report["by_financial_year"]
    awarded = _sum(j["totals"]["price"] for _, j, s in own if s["stage"] in WON)
    pipeline = _sum(j["totals"]["price"] for _, j, s in own if s["stage"] == "submitted")
    assert _sum(y["awarded"] for y in years.values()) == awarded
    assert _sum(y["pipeline"] for y in years.values()) == pipeline
    assert _sum(y["given_free"] for y in years.values()) == _sum(j["totals"]["waived"] for _, j, s in own
                                                                   if s["stage"] in WON)
    first = min(date.fromisoformat(j["project"]["start"]) for _, j, _ in own)
    assert next(iter(years)) == fy_label(financial_year(first))
    assert all(Decimal(v) >= 0 for y in years.values() for v in y.values())


def test_a_one_year_project_straddling_1_august_is_split_by_days(tmp_path, examples_dir):
    text = (examples_dir / "phd-training.toml").read_text().replace("months = 24", "months = 12")
    text = text.replace("years = [1, 2]", "year = 1").replace("start = 2026-09-01", "start = 2026-05-01")
    (tmp_path / "one.toml").write_text(text + '\n[status]\nstage = "awarded"\nsubmitted = 2026-04-01\n'
                                              'decided = 2026-04-20\n', encoding="utf-8")
    p = portfolio(tmp_path)
    (record,) = p.records
    fys = {fy.label: fy.awarded for fy in p.report.financial_years}
    assert list(fys) == ["2025-26", "2026-27"]
    # 1 May - 31 July 2026 is 92 of the year's 365 days
    expected = (record.price * 92 / 365).quantize(MONEY, rounding="ROUND_DOWN")
    assert fys["2025-26"] in (expected, expected + MONEY)
    assert sum(fys.values()) == record.price


def test_broken_files_every_problem_exit_2_and_nothing_written(run, tmp_path):
    folder = tmp_path / "store"
    shutil.copytree(EXAMPLES, folder)
    with open(folder / "phd-training.toml", "a", encoding="utf-8") as f:
        f.write("\n")
    text = (folder / "phd-training.toml").read_text().replace('stage = "awarded"', 'stage = "won"')
    (folder / "phd-training.toml").write_text(text, encoding="utf-8")
    text = (folder / "hearing-checks.toml").read_text().replace('service = "training-workshop"', 'service = "trainng"')
    (folder / "hearing-checks.toml").write_text(text, encoding="utf-8")
    (folder / "notes.toml").write_text("title = \n", encoding="utf-8")
    out = tmp_path / "portfolio.xlsx"
    code, stdout, err = run("portfolio", folder, "-o", out)
    assert code == 2 and not out.exists() and stdout == ""
    lines = err.splitlines()
    assert any(line.startswith(f"{folder / 'phd-training.toml'}:") and ": status.stage: " in line for line in lines)
    assert any(line.startswith(f"{folder / 'hearing-checks.toml'}:") and "services entry 3: service" in line for line in lines)
    assert any(line.startswith(f"{folder / 'notes.toml'}:1: ") for line in lines)
    assert "Traceback" not in err


def test_keep_going_reports_the_valid_files_and_lists_the_others_first(run, tmp_path):
    folder = tmp_path / "store"
    shutil.copytree(EXAMPLES, folder)
    (folder / "broken.toml").write_text("[project]\ntitle = \"x\"\n", encoding="utf-8")
    for fmt in ("json", "md", "html"):
        code, text, err = run("portfolio", folder, "--keep-going", "-f", fmt)
        assert code == 0 and "broken.toml" in err
        if fmt == "json":
            data = json.loads(text)
            assert data["costings"] == len(list(EXAMPLES.glob("*.toml")))
            assert [item["file"] for item in data["left_out"]] == [str(folder / "broken.toml")]
            assert all(":" in p for p in data["left_out"][0]["problems"])
        else:
            assert text.index("broken.toml") < text.index("By stage")


def test_dates_keep_the_projects_running_between_them(run):
    data = json.loads(run("portfolio", EXAMPLES, "--from", "2027-08-01", "--to", "2028-07-31", "-f", "json")[1])
    everything = json.loads(run("portfolio", EXAMPLES, "-f", "json")[1])
    kept = {f["file"] for f in data["files"]}
    assert 0 < len(kept) < everything["costings"]
    assert str(EXAMPLES / "bristol-training.toml") not in kept  # ran March to August 2026
    assert any("left out" in w for w in data["warnings"])


def test_python_api_views_and_jupyter_display(tmp_path):
    p = portfolio([EXAMPLES])
    assert p.as_json() == json.loads(p.to_json())
    html = p._repr_html_()
    assert "<svg" in html and "By financial year" in html
    assert p._repr_markdown_().startswith("# The unit's portfolio")
    page = p.to_html(tmp_path / "p.html")
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page and "http" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    pd = pytest.importorskip("pandas")
    frame = p.to_dataframe()
    assert len(frame) == len(p.records) and isinstance(frame["price"].iloc[0], Decimal)
    years = p.to_dataframe("financial_years")
    assert sum(years["price"], Decimal(0)) == sum(frame["price"], Decimal(0))
    assert isinstance(pd.DataFrame, type)


def test_every_text_is_escaped_in_html_and_never_a_formula(tmp_path, examples_dir):
    text = (examples_dir / "phd-training.toml").read_text()
    text = text.replace('title = "Co-production', 'title = "<script>alert(1)</script> =HYPERLINK(1) Co-production')
    (tmp_path / "evil.toml").write_text(text + '\n[status]\nstage = "draft"\ndepartment = "=1+1 <b>"\n',
                                        encoding="utf-8")
    p = portfolio(tmp_path)
    html = p.to_html()
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>" not in html
    markdown = p.to_markdown()  # (a Markdown viewer would run raw HTML too)
    assert "<script>" not in markdown and r"\<script\>alert(1)\</script\>" in markdown  # shown as typed
    assert "<b>" not in markdown and r"=1+1 \<b\>" in markdown
    p.to_excel(tmp_path / "evil.xlsx")
    import openpyxl

    wb = openpyxl.load_workbook(tmp_path / "evil.xlsx")
    cells = [c.value for c in wb["Costings"][2]]
    assert "=1+1 <b>" in cells and any(str(v).startswith("<script>") for v in cells)


def test_markdown_shows_a_title_as_typed_never_as_a_markdown_link_an_image_or_an_entity(tmp_path, examples_dir):
    typed = r"See [our page](http://x.org) ![](http://tracker.example/p.png) *R&amp;D* _a_ a|b \ #1 ~~old~~ `x`"
    text = (examples_dir / "phd-training.toml").read_text()
    (tmp_path / "odd.toml").write_text(text.replace('title = "', f"title = '{typed}' # was: ", 1), encoding="utf-8")
    markdown = portfolio(tmp_path).to_markdown()
    # every character Markdown gives meaning to is escaped with a backslash, so it shows as typed
    shown = (r"See \[our page\](http://x.org) \!\[\](http://tracker.example/p.png) \*R\&amp;D\* \_a\_ a\|b \\ \#1"
             r" \~\~old\~\~ \`x\`")
    assert f"| {shown} |" in markdown
    assert "![](" not in markdown and "[our page](" not in markdown and "*R&amp;D*" not in markdown


def test_a_problem_left_out_is_shown_as_typed_in_its_code_span(tmp_path):
    (tmp_path / "R&amp;D `draft` <b> a\\b.toml").write_text("[project\n", encoding="utf-8")
    shutil.copy(EXAMPLES / "advisory-group.toml", tmp_path / "good.toml")
    p = portfolio(tmp_path, keep_going=True)
    (problem,) = p.left_out[0].problems
    # no escape works inside a code span: the text is as is, fenced by more backticks than it holds
    assert f"- ``{problem}``" in p.to_markdown().splitlines()
    assert "&lt;" not in p.to_markdown() and "a\\\\b" not in p.to_markdown()


@pytest.mark.parametrize(("text", "span"), [
    ("a.toml:1: project: missing", "`a.toml:1: project: missing`"),
    ("uses `x` and ``y`` here", "```uses `x` and ``y`` here```"),
    ("`starts with one", "`` `starts with one ``"),
    (" spaced ", "`  spaced  `"),
])
def test_code_span_fences_any_text(text, span):
    assert code_span(text) == span


def test_api_raises_every_problem_without_keep_going(tmp_path):
    (tmp_path / "a.toml").write_text("[project]\n", encoding="utf-8")
    (tmp_path / "b.toml").write_text("[project\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        portfolio(tmp_path)
    assert {Path(p.file).name for p in caught.value.problems} == {"a.toml", "b.toml"}
    assert portfolio(tmp_path, keep_going=True).report.total.costings == 0


def test_same_input_same_bytes(tmp_path):
    for name in ("a", "b"):
        portfolio(EXAMPLES).to_excel(tmp_path / f"{name}.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    assert portfolio(EXAMPLES).to_html() == portfolio(EXAMPLES).to_html()


def test_requested_work_for_internal_clients_is_counted_apart_from_what_is_given(own):
    p = portfolio(EXAMPLES)
    requested = defaultdict(Decimal)
    for _, j, s in own:
        if s["stage"] in WON and j["project"]["client"] == "internal":
            requested["all"] += _sum(line["amount"] for line in j["lines"] if line["charge"] == "requested")
    assert p.report.requested_internal == requested["all"] > 0
