"""Reading folders of costing files into records, one file at a time.

Every ``*.toml`` file in each folder and its subfolders is one costing (names starting
with a dot are skipped: editors' and atomic writers' temporary files; of the versions a
``serve --store`` folder keeps, only each costing's latest is read). Each file is read,
validated and priced with its own pricing date and the rate tables, exactly as
``copro-costing quote`` would, then reduced to a small Record and dropped, so memory
does not grow with the number of files beyond the report itself. Problems are collected
per file; nothing stops at the first.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..errors import InputError, Problem
from ..pricing.engine import estimate
from ..pricing.problems import checked_spec
from ..ratebook.models import RateBook
from ..tomlfile import read_toml
from ..web.store import superseded
from .record import Record, record_of


@dataclass(frozen=True)
class LeftOut:
    """A file the report could not use, with every problem found in it."""

    file: str
    problems: tuple[Problem, ...]

    def as_json(self) -> dict[str, object]:
        return {"file": self.file, "problems": [str(p) for p in self.problems]}


@dataclass(frozen=True)
class Reading:
    """What reading the folders gave: the records, the files left out and why, and notes."""

    records: tuple[Record, ...]
    left_out: tuple[LeftOut, ...]
    outside_dates: int
    unpriced: tuple[str, ...]  # files without priced_on: priced on today's rates, like `quote`

    @property
    def problems(self) -> tuple[Problem, ...]:
        return tuple(p for item in self.left_out for p in item.problems)


def costing_files(paths: Iterable[Path | str]) -> tuple[list[Path], list[Problem]]:
    """Every costing file under ``paths`` (folders or files), sorted, each once."""
    found: dict[str, Path] = {}  # by real path
    problems: list[Problem] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            before = len(problems)
            inside = dict(_costing_files_in(path, str(path.resolve()), problems))
            older = superseded(inside)  # a `serve --store` folder: each costing once, at its latest version
            inside = {p: real for p, real in inside.items() if p not in older}
            if not inside and len(problems) == before:  # (a folder that cannot be read says so itself)
                problems.append(Problem(str(path), None, "", "no costing files (*.toml) in this folder"))
            for p, real in inside.items():
                found.setdefault(real, p)
        elif path.is_file():
            found.setdefault(str(path.resolve()), path)
        else:
            problems.append(Problem(str(path), None, "", "no such folder or file"))
    return sorted(found.values(), key=lambda p: p.as_posix()), problems


def _costing_files_in(folder: Path, real: str, problems: list[Problem]) -> Iterator[tuple[Path, str]]:
    """(path, real path) of each ``*.toml`` file in ``folder`` and its subfolders, skipping names
    that start with a dot and not following links to folders; a folder that cannot be read
    is a problem. ``real`` is the folder's real path: a file that is not a link is really in
    its folder, so only links are resolved (one system call or so a file, where resolving
    every path took several)."""
    try:
        with os.scandir(folder) as entries:
            listed = sorted(entries, key=lambda e: e.name)
    except OSError as exc:
        problems.append(Problem(str(folder), None, "", f"cannot read this folder ({exc.strerror or exc})"))
        return
    for entry in listed:
        name = entry.name
        if name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _costing_files_in(folder / name, os.path.join(real, name), problems)
        elif os.path.normcase(name).endswith(".toml") and entry.is_file():  # any case on Windows, as before
            path = folder / name
            yield path, str(path.resolve()) if entry.is_symlink() else os.path.join(real, name)


def read_records(
    paths: Iterable[Path | str],
    book: RateBook,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    today: date | None = None,
    jobs: int | None = 1,
) -> Reading:
    """Read, validate and price every costing file under ``paths`` into records.

    ``jobs`` processes read the files (1: this process alone; None: one per processor
    for a folder of hundreds of files); the records are the same either way.

    A costing is kept when its project runs on any day from ``date_from`` to ``date_to``
    (both inclusive; either may be left open). Files that cannot be read or priced are
    returned in ``left_out`` with all their problems; the caller decides whether that stops
    the report.
    """
    files, problems = costing_files(paths)
    left_out = [LeftOut(p.file, (p,)) for p in problems]
    records: list[Record] = []
    outside = 0
    unpriced: list[str] = []
    for path, result in _each(files, book, today, jobs):
        if not result or not isinstance(result[0], Record):
            left_out.append(LeftOut(str(path), result))
            continue
        record, had_date = result
        if (date_to is not None and record.start > date_to) or (date_from is not None and record.end <= date_from):
            outside += 1
            continue
        if not had_date:
            unpriced.append(record.file)
        records.append(record)
    return Reading(tuple(records), tuple(left_out), outside, tuple(unpriced))


Result = tuple[Record, bool] | tuple[Problem, ...]
"""A file's record and whether it gives its pricing date; or every problem found in it."""


def read_one(path: Path, book: RateBook, today: date | None) -> Result:
    """Read, validate and price one costing file into its Record, exactly as ``quote`` would."""
    try:
        data, lines = read_toml(path, str(path))
        spec = checked_spec(data, str(path), lines, book, today)  # every problem in the file at once
        costing = estimate(spec, book, today=today)
    except InputError as exc:
        return exc.problems
    return record_of(costing, str(path)), spec.project.priced_on is not None


def _each(files: list[Path], book: RateBook, today: date | None, jobs: int | None) -> Iterator[tuple[Path, Result]]:
    from .workers import jobs_for, read_in_workers

    workers = jobs_for(len(files), jobs)
    if workers > 1:
        return read_in_workers(files, book, today, workers)
    return ((path, read_one(path, book, today)) for path in files)
