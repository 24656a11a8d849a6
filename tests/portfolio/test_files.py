"""Which files a portfolio reads: every costing file under the folders, once each, in name order."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from copro_costing import load_rates
from copro_costing.portfolio_report import examples_dir
from copro_costing.portfolio_report.reading import costing_files, read_records

EXAMPLE = sorted(examples_dir().glob("*.toml"))[0]


def test_subfolders_are_read_and_names_starting_with_a_dot_are_not(tmp_path: Path) -> None:
    (tmp_path / "2026" / "autumn").mkdir(parents=True)
    (tmp_path / ".drafts").mkdir()
    for name in ("b.toml", "2026/a.toml", "2026/autumn/c.toml", ".drafts/d.toml", ".e.toml.tmp", "2026/.f.toml"):
        shutil.copy(EXAMPLE, tmp_path / name)
    (tmp_path / "notes.txt").write_text("not a costing", encoding="utf-8")
    files, problems = costing_files([tmp_path])
    assert [p.relative_to(tmp_path).as_posix() for p in files] == ["2026/a.toml", "2026/autumn/c.toml", "b.toml"]
    assert problems == []


def test_a_file_given_twice_or_through_a_link_is_read_once(tmp_path: Path) -> None:
    folder = tmp_path / "bids"
    folder.mkdir()
    shutil.copy(EXAMPLE, folder / "a.toml")
    (folder / "link.toml").symlink_to(folder / "a.toml")
    files, _ = costing_files([folder, folder / "a.toml", tmp_path / "bids" / ".." / "bids" / "a.toml"])
    assert [p.name for p in files] == ["a.toml"]  # the first found: the file itself


def test_a_link_to_a_folder_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    shutil.copy(EXAMPLE, tmp_path / "real" / "a.toml")
    (tmp_path / "also").symlink_to(tmp_path / "real", target_is_directory=True)
    files, _ = costing_files([tmp_path])
    assert [p.relative_to(tmp_path).as_posix() for p in files] == ["real/a.toml"]


def test_a_folder_without_costing_files_and_a_missing_path_are_problems(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    files, problems = costing_files([tmp_path / "empty", tmp_path / "nowhere"])
    assert files == []
    assert [(Path(p.file).name, p.message) for p in problems] == [
        ("empty", "no costing files (*.toml) in this folder"), ("nowhere", "no such folder or file")]


def test_a_folder_that_cannot_be_read_is_a_problem_not_a_crash(tmp_path: Path, monkeypatch) -> None:
    import os

    (tmp_path / "locked").mkdir()
    shutil.copy(EXAMPLE, tmp_path / "a.toml")
    scandir = os.scandir

    def refusing(path):  # what a folder without read permission does (root may read any, so pretend)
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied")
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)
    files, problems = costing_files([tmp_path])
    assert [p.name for p in files] == ["a.toml"]
    assert [(Path(p.file).name, p.message) for p in problems] == [("locked", "cannot read this folder (Permission denied)")]


def test_the_command_line_reports_an_unreadable_folder_with_exit_2(run, tmp_path: Path, monkeypatch) -> None:
    import os

    shutil.copy(EXAMPLE, tmp_path / "a.toml")
    scandir = os.scandir

    def refusing(path):
        if Path(path) == tmp_path:
            raise PermissionError(13, "Permission denied")
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)
    code, out, err = run("portfolio", tmp_path, "--format", "json")
    assert code == 2 and out == ""
    assert f"{tmp_path}: cannot read this folder (Permission denied)" in err and "Traceback" not in err
    assert "no costing files" not in err


def test_a_link_to_nothing_in_a_folder_is_a_problem_of_that_file_and_a_link_to_a_folder_is_not_followed(
        tmp_path: Path) -> None:
    shutil.copy(EXAMPLE, tmp_path / "a.toml")
    (tmp_path / "gone.toml").symlink_to(tmp_path / "moved-away.toml")
    (tmp_path / "circle.toml").symlink_to(tmp_path / "circle.toml")
    (tmp_path / "elsewhere").mkdir()
    shutil.copy(EXAMPLE, tmp_path / "elsewhere" / "b.toml")
    (tmp_path / "folder.toml").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    files, problems = costing_files([tmp_path])
    assert [p.relative_to(tmp_path).as_posix() for p in files] == ["a.toml", "elsewhere/b.toml"]
    assert [(Path(p.file).name, p.message.split(" (")[0]) for p in problems] == [
        ("circle.toml", "cannot read: a link that cannot be followed"),
        ("gone.toml", "cannot read: a link to a file that does not exist"),
    ]
    # given directly, it says the same
    assert [p.message for p in costing_files([tmp_path / "gone.toml"])[1]] == [
        "cannot read: a link to a file that does not exist"]


def test_a_link_to_nothing_stops_the_report_or_with_keep_going_is_left_out_as_a_file(run, tmp_path: Path) -> None:
    shutil.copy(EXAMPLE, tmp_path / "a.toml")
    (tmp_path / "gone.toml").symlink_to(tmp_path / "moved-away.toml")
    out = tmp_path / "report.json"
    code, stdout, err = run("portfolio", tmp_path, "-o", out)
    assert code == 2 and stdout == "" and not out.exists() and "Traceback" not in err
    assert f"{tmp_path / 'gone.toml'}: cannot read: a link to a file that does not exist" in err.splitlines()
    code, _, err = run("portfolio", tmp_path, "--keep-going", "-o", out)
    assert code == 0 and "warning: 1 file left out" in err
    assert json.loads(out.read_text())["left_out"] == [{"file": str(tmp_path / "gone.toml"), "problems": [
        f"{tmp_path / 'gone.toml'}: cannot read: a link to a file that does not exist"], "kind": "file"}]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="pipes with names are for POSIX systems")
def test_a_pipe_named_like_a_costing_file_is_a_problem_not_skipped_nor_waited_on(tmp_path: Path) -> None:
    shutil.copy(EXAMPLE, tmp_path / "a.toml")
    os.mkfifo(tmp_path / "pipe.toml")
    reading = read_records([tmp_path], load_rates())
    assert [r.file for r in reading.records] == [str(tmp_path / "a.toml")]
    assert [str(p) for p in reading.problems] == [f"{tmp_path / 'pipe.toml'}: expected a file, found a pipe or device"]
