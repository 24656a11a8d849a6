"""A large folder is read by several processes, and the report is the same, byte for byte."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from copro_costing import InputError, portfolio
from copro_costing.portfolio_report import examples_dir, workers
from copro_costing.portfolio_report.workers import CHUNK, MAX_JOBS, MIN_FILES, default_jobs, jobs_for

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


def _fresh(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``script`` in a new interpreter: a process running no other thread, as the command
    line is (this test process may run threads of its own, or still be ending one)."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(script), *args], capture_output=True, text=True,
                          timeout=300, check=False)


@pytest.mark.skipif(sys.platform != "linux", reason="workers are forked only on Linux")
def test_workers_are_forked_only_from_a_process_running_no_other_thread() -> None:
    done = _fresh("""
        import threading
        from copro_costing.portfolio_report.workers import start_method

        alone = start_method()
        stop = threading.Event()
        other = threading.Thread(target=stop.wait)
        other.start()
        print(alone, start_method())  # forking would copy the locks that thread may hold
        stop.set()
        other.join()
    """)
    assert done.stdout.split() == ["fork", "spawn"], done.stderr


STOPS = {
    "mid-read": "os._exit(3)  # as by the system running out of memory",
    "holding the range": "workers._left.get_lock().acquire(); os._exit(3)  # the range never let go",
}


@pytest.mark.parametrize("when", STOPS)
@pytest.mark.skipif(sys.platform != "linux", reason="the stopping worker is set up by forking the process")
def test_a_worker_that_stops_is_an_error_never_a_report_missing_files(when: str, many: Path) -> None:
    done = _fresh(f"""
        import os, signal, sys
        from copro_costing import portfolio
        from copro_costing.portfolio_report import workers

        def stop():
            {STOPS[when]}

        workers._read_last = stop  # what the forked worker runs
        assert workers.start_method() == "fork"
        signal.alarm(120)  # waiting for ever would be the bug: killed, so the test fails, never hangs
        try:
            portfolio(sys.argv[1], keep_going=True, jobs=2)
        except RuntimeError as exc:
            print(exc)
        else:
            print("a report without the files the worker was reading")
    """, str(many))
    assert done.returncode == 0, done.stderr
    assert "a worker reading the costing files stopped unexpectedly" in done.stdout, done.stdout + done.stderr
    assert "Traceback" not in done.stderr


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


def test_a_large_folder_is_read_by_as_many_processes_as_the_containers_quota_allows(monkeypatch, tmp_path) -> None:
    from copro_costing import processors

    quota = tmp_path / "cpu.max"
    quota.write_text("200000 100000\n", encoding="ascii")  # two cores' worth, as `docker run --cpus 2` sets
    monkeypatch.setattr(processors.os, "sched_getaffinity", lambda _: set(range(16)), raising=False)
    monkeypatch.setattr(processors, "CPU_QUOTA", quota)
    assert default_jobs() == jobs_for(MIN_FILES, None) == 2
    quota.write_text("max 100000\n", encoding="ascii")  # no quota: every core it may run on, up to the most
    assert default_jobs() == MAX_JOBS


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
