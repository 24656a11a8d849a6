"""Atomic file writes: write to a temporary file beside the target, then rename.

On any error nothing is left at the output path and an existing file there is
untouched, so a failed export never leaves a half-written workbook for someone to send.
:func:`write_files_atomic` does the same for several files at once, as far as a file
system allows (see its notes).

The rules, for every file the package writes:

- Only a regular file is ever replaced. A target that exists and is anything else (a
  folder, a device such as ``/dev/null``, a pipe, a socket) is refused.
- A symbolic link is followed: the file it points to is replaced and the link itself is
  kept, so ``-o shared/costing.xlsx`` through a link updates the linked file. A link that
  points nowhere is written through too, when the folder it names exists.
- A new file gets the usual permissions for the user (``0o666`` less the umask); a file
  that is replaced keeps its own permissions.
- The data is flushed to disk (``fsync``) before the rename and the folder after it, so
  a power cut leaves either the old file or the new one.
- Temporaries are named ``.NAME.PID.RANDOM.copro-tmp`` beside the target. One left by a
  writer that was killed (its process is gone, or it is more than a day old) is removed
  by the next write to the same folder.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import socket
import stat
import time
from collections.abc import Callable, Mapping
from pathlib import Path

SUFFIX = ".copro-tmp"
STALE_AFTER = 24 * 3600
"""Seconds after which any temporary is taken as left by a killed writer."""
_HOST = f"{sum(socket.gethostname().encode()) % 10000:04d}"
_TEMP = re.compile(r"^\.(?P<name>.+)\.(?P<host>\d{4})-(?P<pid>\d+)\.[0-9a-f]{8}" + re.escape(SUFFIX) + "$")


class OutputError(OSError):
    """An output path that must not be written (a folder, a device, a missing folder)."""


def resolve_target(path: Path | str) -> Path:
    """The file a write to ``path`` replaces: ``path`` itself, or where its symbolic link points."""
    path = Path(path)
    seen = 0
    while path.is_symlink() and seen < 40:
        link = Path(os.readlink(path))
        path = link if link.is_absolute() else path.parent / link
        seen += 1
    return path


def special_file(path: Path | str) -> bool:
    """Whether ``path`` is a device, a pipe or a socket: not a file or folder to read (a pipe would wait for ever)."""
    try:
        mode = os.stat(path).st_mode
    except OSError:  # missing or unreadable: reading it says which
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def target_problem(path: Path | str) -> str | None:
    """Why ``path`` cannot be written, in words for a person; None when it can."""
    target = resolve_target(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        return "output folder does not exist"
    try:
        info = os.stat(target)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return f"cannot be written ({exc.strerror})"
    if stat.S_ISDIR(info.st_mode):
        return "is a folder: give a file name"
    if not stat.S_ISREG(info.st_mode):
        return "is not a regular file (a device, a pipe or a socket): only a regular file is ever replaced"
    return None


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _new_mode(target: Path) -> int:
    try:
        return stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows cannot open a folder; its renames are durable already
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _process_gone(pid: int) -> bool:
    if os.name != "posix":
        return False  # os.kill(pid, 0) would end the process on Windows
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Remove temporaries in ``folder`` left by writers that were killed; return them."""
    removed: list[Path] = []
    now = time.time()
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    for name in names:
        match = _TEMP.match(name)
        if not match:
            continue
        path = folder / name
        try:
            age = now - path.lstat().st_mtime
        except OSError:
            continue
        mine = match.group("host") == _HOST
        if age > STALE_AFTER or (mine and int(match.group("pid")) != os.getpid() and _process_gone(int(match.group("pid")))):
            try:
                path.unlink()
                removed.append(path)
            except OSError:
                pass
    return removed


def _prepare(path: Path | str) -> tuple[Path, Path, int]:
    """(target, temporary, mode) for a write to ``path``; OutputError when it must not be written."""
    target = resolve_target(path)
    folder = target.parent if str(target.parent) else Path(".")
    if problem := target_problem(target):
        if not folder.is_dir():
            raise FileNotFoundError(errno.ENOENT, f"{folder}: output folder does not exist")
        raise OutputError(errno.EINVAL, problem, str(path))
    remove_stale_temporaries(folder)
    temp = folder / f".{target.name}.{_HOST}-{os.getpid()}.{secrets.token_hex(4)}{SUFFIX}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    return target, temp, _new_mode(target)


def _finish(temp: Path, mode: int) -> None:
    os.chmod(temp, mode)
    fd = os.open(temp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path | str, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` then move the result to ``path`` in one rename (see the module notes)."""
    target, temp, mode = _prepare(path)
    try:
        write(temp)
        _finish(temp, mode)
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_folder(target.parent)
    return Path(path)


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
        for path, data in files.items():
            target, temp, mode = _prepare(path)
            temps.append((temp, target))
            temp.write_bytes(data)
            _finish(temp, mode)
        for temp, final in temps:
            os.replace(temp, final)
        for folder in {final.parent for _, final in temps}:
            _fsync_folder(folder)
    finally:
        for temp, _ in temps:
            temp.unlink(missing_ok=True)
    return [Path(p) for p in files]


def create_atomic(path: Path | str, data: bytes) -> Path:
    """Create ``path`` with ``data`` in one step, refusing to replace a file already there.

    Written to a temporary beside the target (named as above, flushed to disk), then
    hard-linked into place: the link fails with FileExistsError if anything is at
    ``path``, so two writers racing for one name never overwrite each other, and a
    reader never sees a half-written file.
    """
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise FileNotFoundError(errno.ENOENT, f"{folder}: output folder does not exist")
    remove_stale_temporaries(folder)
    temp = folder / f".{path.name}.{_HOST}-{os.getpid()}.{secrets.token_hex(4)}{SUFFIX}"
    try:
        temp.write_bytes(data)
        _finish(temp, 0o666 & ~_umask())
        os.link(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    _fsync_folder(folder)
    return path
