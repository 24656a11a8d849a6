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
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from ..errors import InputError, Problem
from ..pricing.engine import estimate
from ..pricing.problems import checked_spec
from ..ratebook.models import RateBook
from ..tomlfile import read_toml
from ..web.store import superseded
from .record import Record, record_of


@dataclass(frozen=True)
class LeftOut:
    """A file the report could not use, with every problem found in it; or a folder (one with no
    costing file in it, or one that cannot be read), or a path given that does not exist."""

    file: str
    problems: tuple[Problem, ...]
    kind: Literal["file", "folder", "missing"] = "file"

    def as_json(self) -> dict[str, object]:
        return {"file": self.file, "problems": [str(p) for p in self.problems], "kind": self.kind}


def left_out_words(left_out: Iterable[LeftOut]) -> str:
    """What was left out, counted by kind, so a folder is never called a file: "2 files and 1 folder"."""
    counts = Counter(item.kind for item in left_out)
    words = {"file": ("file", "files"), "folder": ("folder", "folders"), "missing": ("missing path", "missing paths")}
    parts = [f"{n} {words[kind][n != 1]}" for kind in ("file", "folder", "missing") if (n := counts[kind])]
    if not parts:
        return "nothing"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


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
    files, left_out = _listing(paths)
    return files, [p for item in left_out for p in item.problems]


def output_clash(paths: Iterable[Path | str], output: Path) -> Problem | None:
    """Why the report must not be written to ``output``: it is one of the costing files under
    ``paths`` (itself, through a link, or as another name for the same file), or a name a
    report would read as a costing (``*.toml``, as given or where a link leads, since the
    report is written where the link points); or None.

    Every costing file in the folders counts, the older versions a ``serve --store`` folder
    keeps among them: writing the report there would destroy a costing."""
    every: set[str] = set()
    _listing(paths, every)
    real = os.path.realpath(output)
    same = real in every
    if not same and os.path.isfile(output):  # a hard link, or a name a case-blind file system takes as the same
        mine = os.stat(output)
        same = any(_same_file(mine, path) for path in every)
    how = f" (it is a link to {real})" if os.path.islink(output) else ""
    if same:
        return Problem(str(output), None, "", f"is one of the costing files this report reads{how}: "
                       "write the report to another file, so the costing is not replaced")
    named = [output.name, os.path.basename(real)]  # a link is written through: its target's name counts
    if any(os.path.normcase(name).endswith(".toml") for name in named):  # the next report would read it
        return Problem(str(output), None, "", f"a report is not a costing file{how}: name it .md, .html, .json or "
                       ".xlsx, not .toml, so no report ever reads it as a costing")
    return None


def _same_file(mine: os.stat_result, path: str) -> bool:
    try:
        theirs = os.stat(path)
    except OSError:
        return False
    return (mine.st_dev, mine.st_ino) == (theirs.st_dev, theirs.st_ino)


def _listing(paths: Iterable[Path | str], every: set[str] | None = None) -> tuple[list[Path], list[LeftOut]]:
    """The costing files to read under ``paths`` (sorted, each once) and the paths that cannot be
    read; ``every``, if given, gets the real path of every costing file found (the older versions
    in a store folder too)."""
    found: dict[str, Path] = {}  # by real path
    left_out: list[LeftOut] = []
    for given in paths:
        path = Path(given)
        if path.is_dir():
            problems: list[LeftOut] = []
            inside = dict(_costing_files_in(path, str(path.resolve()), problems))
            if every is not None:
                every.update(inside.values())
            older = superseded(inside)  # a `serve --store` folder: each costing once, at its latest version
            inside = {p: real for p, real in inside.items() if p not in older}
            if not inside and not problems:  # (a folder that cannot be read, or a broken link in it, says so itself)
                problems.append(_left_out(path, "no costing files (*.toml) in this folder", "folder"))
            left_out += problems
            for p, real in inside.items():
                found.setdefault(real, p)
        elif (why := _broken_link(path)) is not None:
            left_out.append(_left_out(path, why, "file"))
        elif path.exists():  # a file (read_toml refuses a pipe or a device, as `quote` does)
            real = str(path.resolve())
            if every is not None:
                every.add(real)
            found.setdefault(real, path)
        else:
            left_out.append(_left_out(path, "no such folder or file", "missing"))
    return sorted(found.values(), key=lambda p: p.as_posix()), left_out


def _left_out(path: Path, message: str, kind: Literal["file", "folder", "missing"]) -> LeftOut:
    return LeftOut(str(path), (Problem(str(path), None, "", message),), kind)


def _broken_link(path: Path) -> str | None:
    """Why a link cannot be read (it points to nothing, or round in a circle); None for anything else."""
    if not path.is_symlink():
        return None
    try:
        os.stat(path)
    except FileNotFoundError:
        return "cannot read: a link to a file that does not exist"
    except OSError as exc:
        return f"cannot read: a link that cannot be followed ({exc.strerror or exc})"
    return None


def _costing_files_in(folder: Path, real: str, left_out: list[LeftOut]) -> Iterator[tuple[Path, str]]:
    """(path, real path) of each ``*.toml`` file in ``folder`` and its subfolders, skipping names
    that start with a dot and not following links to folders; a folder that cannot be read,
    or a link that leads nowhere, is left out with its problem. ``real`` is the folder's real
    path: a file that is not a link is really in its folder, so only links are resolved (one
    system call or so a file, where resolving every path took several)."""
    try:
        with os.scandir(folder) as entries:
            listed = sorted(entries, key=lambda e: e.name)
    except OSError as exc:
        left_out.append(_left_out(folder, f"cannot read this folder ({exc.strerror or exc})", "folder"))
        return
    for entry in listed:
        name = entry.name
        if name.startswith("."):
            continue
        if entry.is_dir(follow_symlinks=False):
            yield from _costing_files_in(folder / name, os.path.join(real, name), left_out)
        elif os.path.normcase(name).endswith(".toml"):  # any case on Windows, as before
            path = folder / name
            if not entry.is_symlink():  # a file (or a pipe or a device, which read_toml refuses)
                yield path, os.path.join(real, name)
            elif (why := _broken_link(path)) is not None:
                left_out.append(_left_out(path, why, "file"))
            elif not entry.is_dir():  # a link to a folder is not followed
                yield path, str(path.resolve())


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
    files, found_out = _listing(paths)
    left_out = list(found_out)
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
