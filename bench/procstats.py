"""CPU time and memory of processes, read from /proc: what each service costs under load."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS (now) and VmHWM (the process's peak resident set) in KiB."""
    wanted = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            wanted[name] = int(value.split()[0])
    return wanted


@dataclass
class ProcessUsage:
    cpu_s: float = 0.0
    peak_rss_mib: float = 0.0
    """The largest resident set seen while the phase ran."""
    hwm_mib: float = 0.0
    """The process's own peak since it started (VmHWM), start-up included."""


@dataclass
class UsageMeter:
    """Samples processes' memory while a phase runs and takes their CPU time at both ends."""

    pids: dict[str, int]
    every_s: float = 0.25
    _cpu_start: dict[str, float] = field(default_factory=dict)
    _peak_kib: dict[str, int] = field(default_factory=dict)
    _task: asyncio.Task[None] | None = None

    def _alive(self) -> dict[str, int]:
        return {name: pid for name, pid in self.pids.items() if Path(f"/proc/{pid}").exists()}

    def start(self) -> None:
        self._cpu_start = {name: cpu_seconds(pid) for name, pid in self._alive().items()}
        self._peak_kib = dict.fromkeys(self.pids, 0)
        self._task = asyncio.create_task(self._sample())

    async def _sample(self) -> None:
        while True:
            self._take_memory()
            await asyncio.sleep(self.every_s)

    def _take_memory(self) -> None:
        for name, pid in self._alive().items():
            try:
                rss = memory_kib(pid)["VmRSS"]
            except (OSError, KeyError):
                continue
            self._peak_kib[name] = max(self._peak_kib[name], rss)

    async def stop(self) -> dict[str, ProcessUsage]:
        if self._task is not None:
            self._task.cancel()
        self._take_memory()
        usage = {}
        for name, pid in self._alive().items():
            memory = memory_kib(pid)
            usage[name] = ProcessUsage(
                cpu_s=round(cpu_seconds(pid) - self._cpu_start.get(name, 0.0), 2),
                peak_rss_mib=round(self._peak_kib[name] / 1024, 1),
                hwm_mib=round(memory.get("VmHWM", 0) / 1024, 1),
            )
        return usage
