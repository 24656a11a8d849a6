"""Where outputs go: only regular files are replaced, links are followed, permissions are
the user's, data reaches the disk before the rename, and a killed writer's leftovers go."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time

import pytest

from copro_costing import atomic, cli

posix = pytest.mark.skipif(os.name != "posix", reason="POSIX file semantics")




@pytest.fixture
def device(tmp_path):
    """A character device made for the test (a copy of /dev/null's node, in tmp_path): code
    that wrongly replaced it would damage only this copy, never the system's /dev/null."""
    node = tmp_path / "null"
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except (PermissionError, OSError, AttributeError):
        pytest.skip("making a device node needs root")
    return node


@posix
@pytest.mark.parametrize("fmt", ["xlsx", "json", "csv", "md", "text"])
def test_a_device_is_never_replaced(run, examples_dir, device, fmt):
    before = os.stat(device)
    code, _, err = run("quote", examples_dir / "hearing-checks.toml", "--format", fmt, "-o", device)
    assert code == 2, err
    assert f"{device}: is not a regular file" in err
    after = os.stat(device)
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


@posix
def test_a_named_pipe_is_refused_before_any_work(run, tmp_path, examples_dir):
    pipe = tmp_path / "out.csv"
    os.mkfifo(pipe)
    code, _, err = run("quote", examples_dir / "hearing-checks.toml", "-o", pipe)
    assert code == 2 and "not a regular file" in err
    assert stat.S_ISFIFO(os.stat(pipe).st_mode)


def test_the_library_refuses_a_special_file_too(tmp_path):
    with pytest.raises(atomic.OutputError, match="is a folder"):
        atomic.write_text_atomic(tmp_path, "x")


@posix
def test_a_symbolic_link_is_followed_and_kept(run, tmp_path, examples_dir):
    real = tmp_path / "shared" / "costing.json"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "costing.json"
    link.symlink_to(real)
    code, _, err = run("quote", examples_dir / "hearing-checks.toml", "-o", link)
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text().startswith("{")


@posix
def test_a_dangling_link_writes_the_file_it_names(tmp_path):
    real = tmp_path / "new.txt"
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    atomic.write_text_atomic(link, "hello")
    assert link.is_symlink() and real.read_text() == "hello"


@posix
def test_a_new_file_respects_the_umask(tmp_path):
    old = os.umask(0o077)
    try:
        atomic.write_text_atomic(tmp_path / "private.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "private.txt").st_mode) == 0o600


@posix
def test_a_replaced_file_keeps_its_mode(run, tmp_path, examples_dir):
    out = tmp_path / "c.xlsx"
    out.write_bytes(b"old")
    out.chmod(0o640)
    code, _, err = run("quote", examples_dir / "hearing-checks.toml", "-o", out)
    assert code == 0, err
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o640


def test_data_and_folder_are_flushed_before_and_after_the_rename(tmp_path, monkeypatch):
    events: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (events.append("rename"), real_replace(a, b))[1])
    atomic.write_text_atomic(tmp_path / "a.txt", "x")
    assert events[:2] == ["fsync", "rename"]
    if os.name == "posix":
        assert events == ["fsync", "rename", "fsync"]


@posix
def test_a_killed_writers_temporary_is_removed_by_the_next_run(tmp_path, examples_dir):
    """A writer killed mid-write leaves its temporary; the next write to that folder removes it."""
    out = tmp_path / "c.json"
    script = (
        "import os, sys, time\n"
        "from copro_costing import atomic\n"
        "def write(tmp):\n"
        "    tmp.write_text('partial')\n"
        "    print('writing', flush=True)\n"
        "    time.sleep(60)\n"
        f"atomic.write_atomic({str(out)!r}, write)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert child.stdout.readline().strip() == "writing"
    child.send_signal(signal.SIGKILL)
    child.wait()
    left = [p for p in tmp_path.iterdir() if p.name.endswith(atomic.SUFFIX)]
    assert len(left) == 1 and left[0].name.startswith(".c.json.")
    assert cli.main(["quote", str(examples_dir / "hearing-checks.toml"), "-o", str(out)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.json"]


def test_an_old_temporary_of_any_writer_is_removed(tmp_path):
    stale = tmp_path / f".x.txt.9999-1.0123abcd{atomic.SUFFIX}"
    stale.write_text("partial")
    long_ago = time.time() - atomic.STALE_AFTER - 60
    os.utime(stale, (long_ago, long_ago))
    atomic.write_text_atomic(tmp_path / "y.txt", "y")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["y.txt"]


def test_a_live_writers_temporary_is_left_alone(tmp_path):
    atomic.write_text_atomic(tmp_path / "a.txt", "a")
    with_pid = tmp_path / f".b.txt.{atomic._HOST}-{os.getppid()}.0123abcd{atomic.SUFFIX}"
    with_pid.write_text("in progress")
    atomic.write_text_atomic(tmp_path / "c.txt", "c")
    assert with_pid.exists()


@posix
@pytest.mark.parametrize("name", ["c.xlsx", "c.json", "c.csv"])
def test_a_full_disk_is_a_located_problem_without_a_traceback(tmp_path, examples_dir, name):
    """A file-size limit makes every write past 512 bytes fail as a full disk does."""
    import resource

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (512, 512))

    out = tmp_path / name
    out.write_bytes(b"old")
    result = subprocess.run(
        [sys.executable, "-m", "copro_costing", "quote", str(examples_dir / "hearing-checks.toml"), "-o", str(out)],
        capture_output=True, text=True, preexec_fn=limit, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "Exception ignored" not in result.stderr
    assert f"{out}: cannot write" in result.stderr
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]


@pytest.mark.parametrize("fmt", ["json", "csv", "md", "text"])
def test_text_outputs_are_written_atomically(run, tmp_path, examples_dir, monkeypatch, fmt):
    out = tmp_path / f"c.{fmt}"
    out.write_text("old")

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    code, _, err = run("quote", examples_dir / "hearing-checks.toml", "--format", fmt, "-o", out)
    assert code == 2 and "No space left on device" in err
    assert out.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]
