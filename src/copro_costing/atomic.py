"""Atomic file writes: write to a temporary file beside the target, then rename.

On any error nothing is left at the output path and an existing file there is
untouched, so a failed export never leaves a half-written workbook for someone to send.
:func:`write_files_atomic` does the same for several files at once, as far as a file
system allows (see its notes).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path


def write_atomic(path: Path | str, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` then move the result to ``path`` in one rename."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: output folder does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        write(tmp_path)
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, path)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return path


def write_bytes_atomic(path: Path | str, data: bytes) -> Path:
    def write(tmp: Path) -> None:
        tmp.write_bytes(data)

    return write_atomic(path, write)


def write_text_atomic(path: Path | str, text: str) -> Path:
    return write_bytes_atomic(path, text.encode("utf-8"))


def write_files_atomic(files: Mapping[Path, bytes]) -> list[Path]:
    """Write several files: every one to a temporary beside its target first, then rename them all.

    Renaming several files cannot be one atomic step: if a rename failed after others
    had succeeded (rare, as every temporary sits in its target's own folder), the files
    already renamed would be new and the rest old. What this guarantees is that
    everything is written to temporaries before the first rename, so the usual failures
    (disk full, no permission, an error while writing) leave every target untouched.
    Callers validate everything before calling. Temporaries are always removed.
    """
    temps: list[tuple[Path, Path]] = []
    try:
        for target, data in files.items():
            target = Path(target)
            folder = target.parent if str(target.parent) else Path(".")
            if not folder.is_dir():
                raise FileNotFoundError(f"{folder}: output folder does not exist")
            fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
            temps.append((Path(name), target))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.chmod(name, 0o644)
        for temp, final in temps:
            os.replace(temp, final)
    finally:
        for temp, _ in temps:
            temp.unlink(missing_ok=True)
    return [final for _, final in temps]


def create_atomic(path: Path | str, data: bytes) -> Path:
    """Create ``path`` with ``data`` in one step, refusing to replace a file already there.

    Written to a temporary beside the target, then hard-linked into place: the link
    fails with FileExistsError if anything is at ``path``, so two writers racing for one
    name never overwrite each other, and a reader never sees a half-written file.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: output folder does not exist")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)
        os.link(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return path
