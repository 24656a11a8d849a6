"""How many processors this process may use: its CPU affinity and a container's CPU quota.

Two faces start processes of their own to use more than one core: the portfolio report
(how many processes read a large folder) and ``serve`` (whether to start a pricing
process). Both ask here, so both count the same cores. A process may be bound to some
cores only (its affinity: ``taskset``, a batch scheduler) and a container may be allowed
only so much processor time (Linux cgroup v2, ``/sys/fs/cgroup/cpu.max``, as Docker's
``--cpus`` and Kubernetes' CPU limits set); the number usable is the smaller. A part
core is not counted: a second process on 1.5 cores' worth would be held back by the
quota half the time, for a gain that rarely pays for starting it.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

CPU_QUOTA = Path("/sys/fs/cgroup/cpu.max")
"""Where Linux (cgroup v2) says how much processor time a container may use: "quota period", or "max"."""


def usable_processors() -> int:
    """Whole processors this process may use (at least 1): the fewer of its affinity and its quota."""
    return max(1, math.floor(min(float(_affinity()), cpu_quota())))


def _affinity() -> int:
    """Cores this process may run on (every core the system has where affinity is unknown)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on every platform
        return os.cpu_count() or 1


def cpu_quota() -> float:
    """Cores' worth of processor time a container's quota allows (infinite where there is none, or none is said)."""
    try:
        quota, period = CPU_QUOTA.read_text(encoding="ascii").split()[:2]
        cores = int(quota) / int(period)
    except (OSError, ValueError, ZeroDivisionError):  # no cgroup v2 file, or "max": no quota
        return math.inf
    return cores if cores > 0 else math.inf  # a nonsense quota is no quota
