"""``copro-costing portfolio`` refuses what would mislead or destroy, and counts what it left out in the right words."""

from __future__ import annotations

import json
import os
import shutil
from datetime import date
from pathlib import Path

import pytest

from copro_costing import portfolio
from copro_costing.errors import Problem
from copro_costing.portfolio_report import examples_dir
from copro_costing.portfolio_report.reading import LeftOut, left_out_words

EXAMPLES = examples_dir()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the example portfolio, to write into."""
    shutil.copytree(EXAMPLES, tmp_path / "ow")
    return tmp_path / "ow"


def _another_name_for(folder: Path, how: str) -> Path:
    costing = folder / "advisory-group.toml"
    if how == "itself":
        return costing
    if how == "through a link":
        (folder.parent / "report.md").symlink_to(costing)
        return folder.parent / "report.md"
    if how == "a path that goes round":
        return folder / ".." / folder.name / "advisory-group.toml"
    if how == "a hard link":
        os.link(costing, folder.parent / "report.md")
        return folder.parent / "report.md"
    raise AssertionError(how)


@pytest.mark.parametrize("how", ["itself", "through a link", "a path that goes round", "a hard link"])
def test_the_report_is_never_written_over_a_costing_it_reads(run, folder: Path, how: str) -> None:
    before = (folder / "advisory-group.toml").read_bytes()
    output = _another_name_for(folder, how)
    code, out, err = run("portfolio", folder, "--format", "md", "-o", output)
    assert code == 2 and out == "" and "Traceback" not in err
    assert f"{output}: is one of the costing files this report reads" in err
    assert "copro-costing: 1 problem; nothing was written" in err
    assert (folder / "advisory-group.toml").read_bytes() == before


def test_an_older_version_in_a_store_folder_is_protected_too(run, tmp_path: Path) -> None:
    store = tmp_path / "store"
    store.mkdir()
    for number in (1, 2):
        shutil.copy(EXAMPLES / "advisory-group.toml", store / f"advisory-group--v00{number}.toml")
    code, _, err = run("portfolio", store, "-f", "md", "-o", store / "advisory-group--v001.toml", "--keep-going")
    assert code == 2 and "is one of the costing files this report reads" in err


def test_a_costing_in_the_way_and_a_broken_file_are_reported_together(run, folder: Path) -> None:
    (folder / "broken.toml").write_text('[project]\ntitle = "x"\n', encoding="utf-8")
    code, _, err = run("portfolio", folder, "-f", "md", "-o", folder / "advisory-group.toml")
    assert code == 2
    assert f"{folder / 'advisory-group.toml'}: is one of the costing files" in err
    assert any(line.startswith(f"{folder / 'broken.toml'}:") for line in err.splitlines())


def test_a_new_report_named_like_a_costing_is_refused_so_no_later_report_reads_it(run, folder: Path) -> None:
    code, out, err = run("portfolio", folder, "--format", "md", "-o", folder / "summary.toml")
    assert code == 2 and out == "" and "Traceback" not in err
    assert f"{folder / 'summary.toml'}: a report is not a costing file: name it .md" in err
    assert not (folder / "summary.toml").exists()


@pytest.mark.parametrize("target", ["a new file", "an existing file"])
def test_a_link_to_a_toml_file_is_refused_as_the_report_would_be_written_through_it(
    run, folder: Path, tmp_path: Path, target: str
) -> None:
    # `ln -s ow/zz-new.toml dl.md` would put Markdown in a .toml file the next report reads as a costing
    toml = folder / "zz-new.toml" if target == "a new file" else tmp_path / "notes.toml"
    if target == "an existing file":
        toml.write_text("# my notes\n", encoding="utf-8")
    before = toml.read_bytes() if toml.exists() else None
    link = tmp_path / "dl.md"
    link.symlink_to(toml)
    code, out, err = run("portfolio", folder, "-o", link)
    assert code == 2 and out == "" and "Traceback" not in err
    assert f"{link}: a report is not a costing file (it is a link to {os.path.realpath(toml)}): name it .md" in err
    assert "copro-costing: 1 problem; nothing was written" in err
    assert (toml.read_bytes() if toml.exists() else None) == before


def test_the_report_may_be_written_into_the_folder_under_a_name_that_is_no_costing(run, folder: Path) -> None:
    code, _, err = run("portfolio", folder, "-o", folder / "portfolio.md")
    assert code == 0, err
    assert (folder / "portfolio.md").read_text(encoding="utf-8").startswith("# The unit's portfolio")


def test_keep_going_with_no_valid_costing_writes_nothing_and_exits_2(run, tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text("[project]\n", encoding="utf-8")
    (tmp_path / "b.toml").write_text("[project\n", encoding="utf-8")
    out = tmp_path / "report.json"
    code, stdout, err = run("portfolio", tmp_path, "--keep-going", "-o", out)
    assert code == 2 and stdout == "" and not out.exists() and "Traceback" not in err
    lines = err.splitlines()
    assert any(line.startswith(f"{tmp_path / 'a.toml'}:") for line in lines)
    assert any(line.startswith(f"{tmp_path / 'b.toml'}:") for line in lines)
    assert "nothing was written" in err and "Wrote" not in err
    # from Python the empty report is there to look at: its left_out says why
    report = portfolio(tmp_path, keep_going=True)
    assert report.records == () and [Path(i.file).name for i in report.left_out] == ["a.toml", "b.toml"]


def test_keep_going_with_only_a_broken_link_says_no_costing_could_be_used(run, tmp_path: Path) -> None:
    (tmp_path / "gone.toml").symlink_to(tmp_path / "moved-away.toml")
    code, stdout, err = run("portfolio", tmp_path, "--keep-going")
    assert code == 2 and stdout == "" and "Traceback" not in err
    assert err.splitlines()[-2:] == [
        f"{tmp_path / 'gone.toml'}: cannot read: a link to a file that does not exist",
        "copro-costing: 1 problem: no costing could be used, so there is nothing to report; nothing was written",
    ]


def test_costings_all_outside_the_dates_asked_are_said_so_once(run, tmp_path: Path) -> None:
    shutil.copy(EXAMPLES / "advisory-group.toml", tmp_path / "a.toml")
    (tmp_path / "b.toml").write_text("[project\n", encoding="utf-8")
    code, _, err = run("portfolio", tmp_path, "--keep-going", "--from", "2099-01-01")
    assert code == 2 and "Traceback" not in err
    assert err.splitlines()[-1] == ("copro-costing: 1 problem: no costing could be used, and 1 costing is outside "
                                    "the dates asked, so there is nothing to report; nothing was written")
    (tmp_path / "b.toml").unlink()  # only the costing outside the dates: that is the problem itself
    code, _, err = run("portfolio", tmp_path, "--from", "2099-01-01")
    assert code == 2 and err.splitlines()[-2:] == [
        f"{tmp_path}: no costings to report in the dates asked", "copro-costing: 1 problem; nothing was written"]


def test_an_empty_folder_is_left_out_as_a_folder_not_counted_as_a_file(run, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "report.json"
    code, _, err = run("portfolio", EXAMPLES, empty, "--keep-going", "-o", out)
    assert code == 0, err
    assert "copro-costing: warning: 1 folder left out (listed on the report's first page)" in err
    costings = len(list(EXAMPLES.glob("*.toml")))
    assert f"Wrote {out}: {costings} costings, 1 folder left out" in err
    assert "file(s)" not in err
    assert json.loads(out.read_text())["left_out"] == [  # the JSON says it is a folder too
        {"file": str(empty), "problems": [f"{empty}: no costing files (*.toml) in this folder"], "kind": "folder"}]


def test_each_path_left_out_says_its_kind_in_json(run, tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text("[project\n", encoding="utf-8")
    (tmp_path / "empty").mkdir()
    out = tmp_path / "report.json"
    code, _, err = run("portfolio", EXAMPLES, tmp_path / "broken.toml", tmp_path / "empty", tmp_path / "gone",
                       "--keep-going", "-o", out)
    assert code == 0, err
    left_out = json.loads(out.read_text())["left_out"]
    assert [(Path(i["file"]).name, i["kind"]) for i in left_out] == [
        ("empty", "folder"), ("gone", "missing"), ("broken.toml", "file")]
    assert [list(i) for i in left_out] == [["file", "problems", "kind"]] * 3


def test_what_was_left_out_is_counted_by_kind() -> None:
    def item(kind: str) -> LeftOut:
        return LeftOut("x", (Problem("x", None, "", "why"),), kind)  # type: ignore[arg-type]

    assert left_out_words([item("file")]) == "1 file"
    assert left_out_words([item("file"), item("file"), item("folder")]) == "2 files and 1 folder"
    assert left_out_words([item("missing"), item("folder"), item("file")]) == "1 file, 1 folder and 1 missing path"
    assert left_out_words([item("folder"), item("folder")]) == "2 folders"


def test_dates_in_the_wrong_order_are_refused_in_the_same_words_from_python_and_the_command_line(run) -> None:
    code, _, err = run("portfolio", EXAMPLES, "--from", "2027-08-01", "--to", "2027-07-31")
    assert code == 2 and "copro-costing: --from 2027-08-01 is after --to 2027-07-31" in err
    with pytest.raises(ValueError, match=r"^date_from 2027-08-01 is after date_to 2027-07-31$"):
        portfolio(EXAMPLES, date_from="2027-08-01", date_to=date(2027, 7, 31))
    assert portfolio(EXAMPLES, date_from="2027-08-01", date_to="2027-08-01").records  # one day is a range


def test_wrote_counts_the_costings_in_every_currency(run, folder: Path, tmp_path: Path) -> None:
    for name in ("advisory-group.toml", "phd-training.toml"):
        text = (folder / name).read_text(encoding="utf-8")
        priced_on = next(line for line in text.splitlines() if line.startswith("priced_on = "))
        (folder / name).write_text(text.replace(priced_on, priced_on + '\ncurrency = "EUR"', 1), encoding="utf-8")
    out = tmp_path / "report.json"
    code, _, err = run("portfolio", folder, "-o", out)
    assert code == 0, err
    data = json.loads(out.read_text())
    in_euros = data["other_currencies"]["EUR"]["costings"]
    assert in_euros == 2 and data["costings"] == len(list(folder.glob("*.toml"))) - 2
    assert f"Wrote {out}: {data['costings'] + in_euros} costings (2 in EUR, reported apart)\n" in err
