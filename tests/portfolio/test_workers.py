"""A large folder is read by several processes, and the report is the same, byte for byte."""

from __future__ import annotations

import faulthandler
import os
import shutil
import sys
import threading
import time
from pathlib import Path

import pytest

from copro_costing import InputError, portfolio
from copro_costing.portfolio_report import examples_dir, workers
from copro_costing.portfolio_report.workers import CHUNK, MIN_FILES, default_jobs, jobs_for, start_method
from spreadsheet import in_ci

BROKEN = """[project]
title = "A bid with a mistake"
client = "internal"
funder = "ukri"
start = 2027-01-01
months = 12

[[services]]
service = "facilitation-dya"
quantity = 2
year = 1
"""


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled portfolio examples twelve times over (120 files, three chunks), and one broken file."""
    folder = tmp_path_factory.mktemp("many")
    for copy in range(12):
        for path in sorted(examples_dir().glob("*.toml")):
            shutil.copy(path, folder / f"{copy:02d}-{path.name}")
    (folder / "zz-broken.toml").write_text(BROKEN, encoding="utf-8")
    return folder


def test_two_processes_give_the_report_one_process_gives(many: Path, tmp_path: Path) -> None:
    alone = portfolio(many, keep_going=True, jobs=1)
    shared = portfolio(many, keep_going=True, jobs=2)
    assert len(alone.records) == 120
    assert shared.to_json() == alone.to_json()
    assert shared.to_markdown() == alone.to_markdown()
    alone.to_excel(tmp_path / "alone.xlsx")
    shared.to_excel(tmp_path / "shared.xlsx")
    assert (tmp_path / "shared.xlsx").read_bytes() == (tmp_path / "alone.xlsx").read_bytes()


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_forked_and_fresh_workers_give_the_same_report(method: str, many: Path, monkeypatch) -> None:
    if method == "fork" and sys.platform != "linux":
        pytest.skip("workers are forked only on Linux")
    alone = portfolio(many, keep_going=True, jobs=1).to_json()
    read_here = []
    real = workers.read_one

    def slowly(path, book, today):  # this process reads slowly, so the worker has time to start and read
        read_here.append(path)
        time.sleep(0.03)
        return real(path, book, today)

    monkeypatch.setattr(workers, "start_method", lambda: method)
    monkeypatch.setattr(workers, "read_one", slowly)  # (a fresh worker imports the real one)
    assert portfolio(many, keep_going=True, jobs=2).to_json() == alone
    assert 0 < len(read_here) < 121  # both processes read


def _alone_or_fail() -> None:
    """Skip when this test process already runs another thread, except in CI, where it must not."""
    if threading.active_count() > 1 or workers._system_threads() != 1:
        if in_ci():
            pytest.fail(f"the test process runs other threads: {threading.enumerate()}")
        pytest.skip("this test process already runs another thread")


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked only on Linux")
def test_workers_are_forked_only_from_a_process_running_no_other_thread() -> None:
    _alone_or_fail()
    assert start_method() == "fork"
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert start_method() == "spawn"  # forking would copy the locks that thread may hold
    finally:
        stop.set()
        other.join()


def _stop_at_once() -> None:
    os._exit(3)  # a worker killed mid-read, as by the system running out of memory


def _stop_holding_the_lock() -> None:
    workers._left.get_lock().acquire()  # type: ignore[union-attr]
    os._exit(3)  # killed in the instant it takes a chunk: the range is never let go


@pytest.mark.parametrize("stop", [_stop_at_once, _stop_holding_the_lock])
@pytest.mark.skipif(sys.platform != "linux", reason="the stopping worker is set up by forking this test process")
def test_a_worker_that_stops_is_an_error_never_a_report_missing_files(stop, many: Path, monkeypatch) -> None:
    _alone_or_fail()
    monkeypatch.setattr(workers, "_read_last", stop)
    faulthandler.dump_traceback_later(120, exit=True)  # waiting for ever would be the bug: fail, never hang
    try:
        with pytest.raises(RuntimeError, match="a worker reading the costing files stopped unexpectedly"):
            portfolio(many, keep_going=True, jobs=2)
    finally:
        faulthandler.cancel_dump_traceback_later()


def test_every_problem_found_by_a_worker_is_reported_with_its_file_and_line(many: Path) -> None:
    with pytest.raises(InputError) as alone:
        portfolio(many, jobs=1)
    with pytest.raises(InputError) as shared:
        portfolio(many, jobs=2)
    assert shared.value.problems == alone.value.problems
    [problem] = shared.value.problems
    assert problem.file.endswith("zz-broken.toml") and problem.line == 9
    assert "did you mean 'facilitation-day'" in problem.message


def test_small_folders_are_read_in_this_process_and_large_ones_by_every_processor() -> None:
    assert jobs_for(MIN_FILES - 1, None) == 1
    assert jobs_for(MIN_FILES, None) == default_jobs() >= 1
    assert jobs_for(10, 4) == 1  # one chunk: one process is enough
    assert jobs_for(3 * CHUNK, 8) == 3
    assert jobs_for(10_000, 1) == 1


def test_the_command_line_takes_jobs_and_refuses_a_number_below_one(run, many: Path, capsys) -> None:
    code, out, err = run("portfolio", many, "--keep-going", "--jobs", "2", "--format", "json")
    assert code == 0 and '"costings": 120' in out and "zz-broken.toml" in err
    with pytest.raises(SystemExit) as refused:
        run("portfolio", many, "--jobs", "0")
    assert refused.value.code == 2 and "--jobs" in capsys.readouterr().err


def test_a_record_travels_from_a_worker_as_plain_values_and_comes_back_equal() -> None:
    from copro_costing import load_rates
    from copro_costing.portfolio_report.reading import read_one
    from copro_costing.portfolio_report.record import Record

    book = load_rates()
    for path in sorted(examples_dir().glob("*.toml")):
        record, _ = read_one(path, book, None)
        packed = record.packed()
        assert all(type(v) in (str, int, bool, tuple, type(None)) or hasattr(v, "isoformat") for v in packed)
        back = Record.unpacked(packed)
        assert back == record and [str(s.price) for s in back.services] == [str(s.price) for s in record.services]
