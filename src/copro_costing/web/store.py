"""Saved costings: a folder of costing files, one file per saved version.

Each save creates ``<id>--v<NNN>.toml`` beside the versions already there and never
replaces a file (see :func:`copro_costing.atomic.create_atomic`), so two people saving
the same costing at once both keep their work, as consecutive versions. Every file is
an ordinary costing file: ``copro-costing quote`` prices it, and a folder of them is
what a portfolio report reads. :func:`latest_versions` names the newest version of each
costing, for readers that must count a costing once.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import tomli

from ..atomic import create_atomic
from ..pricing.spec import Spec

ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FILE = re.compile(r"^(?P<id>[a-z0-9]+(?:-[a-z0-9]+)*)--v(?P<number>\d{3,})\.toml$")
MAX_ID = 60


class StoreUnavailable(Exception):
    """The folder of saved costings cannot be read or written (moved, deleted, not permitted)."""


class NotFound(LookupError):
    """No saved costing (or version) by that name."""


@dataclass(frozen=True)
class Version:
    """One saved version of a costing."""

    costing_id: str
    number: int
    path: Path
    saved: datetime
    title: str

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class SavedCosting:
    """A costing and all its saved versions, oldest first."""

    costing_id: str
    versions: tuple[Version, ...]

    @property
    def latest(self) -> Version:
        return self.versions[-1]


def file_name(costing_id: str, number: int) -> str:
    return f"{costing_id}--v{number:03d}.toml"


def new_id(title: str) -> str:
    """A fresh id for a costing saved for the first time: its title as a slug, and a random tail."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:40].strip("-") or "costing"
    return f"{slug}-{secrets.token_hex(3)}"


def valid_id(costing_id: str) -> bool:
    return bool(ID.match(costing_id)) and len(costing_id) <= MAX_ID


def latest_versions(folder: Path | str) -> list[Path]:
    """The newest saved version of each costing in ``folder``, by costing id."""
    newest: dict[str, tuple[int, Path]] = {}
    for path in Path(folder).iterdir():
        if (match := FILE.match(path.name)) and path.is_file():
            number = int(match["number"])
            if number > newest.get(match["id"], (0, path))[0]:
                newest[match["id"]] = (number, path)
    return [path for _, (_, path) in sorted(newest.items())]


def superseded(paths: Iterable[Path]) -> set[Path]:
    """Those of ``paths`` that are saved versions with a newer version of the same costing beside them.

    A report over a store folder counts each costing once, at its latest version.
    """
    newest: dict[tuple[Path, str], int] = {}
    versions: list[tuple[Path, str, int]] = []
    for path in paths:
        if match := FILE.match(path.name):
            key, number = (path.parent, match["id"]), int(match["number"])
            versions.append((path, match["id"], number))
            newest[key] = max(newest.get(key, 0), number)
    return {path for path, cid, number in versions if number < newest[(path.parent, cid)]}


class Store:
    """The folder given to ``serve --store``."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        self._titles: dict[Path, str] = {}  # files never change once written

    def save(self, spec: Spec, costing_id: str | None = None) -> Version:
        """Save ``spec`` as the next version of ``costing_id`` (a new costing when None)."""
        if costing_id is None:
            costing_id = new_id(spec.project.title)
        if not valid_id(costing_id):
            raise NotFound(costing_id)
        number = max((v.number for v in self._scan(costing_id)), default=0) + 1
        text = spec.to_toml()
        while True:
            path = self.folder / file_name(costing_id, number)
            header = f"# Saved costing {costing_id}, version {number}\n"
            try:
                create_atomic(path, (header + text).encode("utf-8"))
            except FileExistsError:  # someone else saved this costing at the same moment
                number += 1
                continue
            except OSError as exc:
                raise StoreUnavailable(f"cannot write {path}: {exc.strerror or exc}") from None
            return self._version(costing_id, number, path)

    def costings(self) -> list[SavedCosting]:
        """Every saved costing, the most recently saved first."""
        by_id: dict[str, list[Version]] = {}
        for version in self._scan():
            by_id.setdefault(version.costing_id, []).append(version)
        out = [SavedCosting(cid, tuple(sorted(vs, key=lambda v: v.number))) for cid, vs in by_id.items()]
        return sorted(out, key=lambda c: (c.latest.saved, c.costing_id), reverse=True)

    def costing(self, costing_id: str) -> SavedCosting:
        if not valid_id(costing_id):
            raise NotFound(costing_id)
        versions = sorted(self._scan(costing_id), key=lambda v: v.number)
        if not versions:
            raise NotFound(costing_id)
        return SavedCosting(costing_id, tuple(versions))

    def version(self, costing_id: str, number: int) -> Version:
        for version in self.costing(costing_id).versions:
            if version.number == number:
                return version
        raise NotFound(f"{costing_id} version {number}")

    def _scan(self, costing_id: str | None = None) -> list[Version]:
        """Every saved version (of ``costing_id``): regular files named as versions, nothing else."""
        try:
            paths = list(self.folder.iterdir())
        except OSError as exc:
            raise StoreUnavailable(f"cannot read {self.folder}: {exc.strerror or exc}") from None
        out = []
        for path in paths:
            match = FILE.match(path.name)
            if match and (costing_id is None or match["id"] == costing_id) and path.is_file():
                try:
                    out.append(self._version(match["id"], int(match["number"]), path))
                except FileNotFoundError:  # removed since the folder was read
                    continue
        return out

    def _version(self, costing_id: str, number: int, path: Path) -> Version:
        saved = datetime.fromtimestamp(path.stat().st_mtime, UTC)
        return Version(costing_id, number, path, saved, self._title(path))

    def _title(self, path: Path) -> str:
        if path not in self._titles:
            try:
                data = tomli.loads(path.read_text(encoding="utf-8"))
                title = str(data.get("project", {}).get("title", "")) or "(untitled)"
            except (OSError, UnicodeDecodeError, tomli.TOMLDecodeError, AttributeError):
                title = "(unreadable file)"
            self._titles[path] = title
        return self._titles[path]
