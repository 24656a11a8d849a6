"""Which files a portfolio reads: every costing file under the folders, once each, in name order."""

from __future__ import annotations

import shutil
from pathlib import Path

from copro_costing.portfolio_report import examples_dir
from copro_costing.portfolio_report.reading import costing_files

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
