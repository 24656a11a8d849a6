"""The processors a process may use: the fewer of its CPU affinity and its container's quota."""

from __future__ import annotations

import math

import pytest

from copro_costing import processors


@pytest.fixture
def machine(monkeypatch, tmp_path):
    """``machine(cores, quota)``: a process bound to ``cores``, in a container whose cpu.max says ``quota``."""

    def make(cores: set[int], quota: str | None) -> None:
        monkeypatch.setattr(processors.os, "sched_getaffinity", lambda _: cores, raising=False)
        limit = tmp_path / "cpu.max"
        if quota is not None:
            limit.write_text(quota + "\n", encoding="ascii")
        monkeypatch.setattr(processors, "CPU_QUOTA", limit)

    return make


@pytest.mark.parametrize(("cores", "quota", "usable"), [
    ({0}, None, 1), ({0, 1}, None, 2), ({0, 1, 2, 3}, None, 4),
    ({0, 1, 2, 3}, "max 100000", 4), ({0, 1, 2, 3}, "100000 100000", 1), ({0, 1, 2, 3}, "150000 100000", 1),
    ({0, 1, 2, 3}, "200000 100000", 2), ({0, 1}, "800000 100000", 2), ({0, 1, 2, 3}, "50000 100000", 1),
], ids=["one-core", "two-cores", "four-cores", "no-quota", "a-one-core-container", "one-and-a-half",
        "two-cores-worth", "a-quota-above-the-affinity", "half-a-core"])
def test_the_usable_processors_are_the_fewer_of_affinity_and_quota(machine, cores, quota, usable):
    machine(cores, quota)
    assert processors.usable_processors() == usable


@pytest.mark.parametrize("text", ["", "max", "lots 100000", "100000 0", "0 100000", "-1 100000"])
def test_a_quota_file_that_says_nothing_usable_is_no_quota(machine, text):
    machine({0, 1, 2}, text)
    assert processors.cpu_quota() == math.inf
    assert processors.usable_processors() == 3


def test_without_affinity_every_core_of_the_system_counts(monkeypatch, machine):
    machine(set(), None)
    monkeypatch.delattr(processors.os, "sched_getaffinity", raising=False)  # as on macOS and Windows
    monkeypatch.setattr(processors.os, "cpu_count", lambda: 6)
    assert processors.usable_processors() == 6
    monkeypatch.setattr(processors.os, "cpu_count", lambda: None)  # unknown: this process's own core
    assert processors.usable_processors() == 1
