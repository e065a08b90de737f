"""CPU time and memory of processes, read from /proc: what each service costs under load."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass, field
from pathlib import Path

TICKS = os.sysconf("SC_CLK_TCK")
DATABASE_SERVER = "postgresql server"


def _stat(pid: int) -> list[str]:
    """/proc/<pid>/stat after the command name: field 3 (state) is element 0."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time the process has used so far."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / TICKS


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int(_stat(int(entry.name))[1]) == pid:
                    found.append(int(entry.name))
            except (OSError, IndexError):
                continue
    return found


def tree_cpu_seconds(pid: int) -> float:
    """A server and its worker processes (a PostgreSQL postmaster and its backends): its own
    time, the time of children it has reaped, and that of children still running."""
    fields = _stat(pid)
    own = sum(int(f) for f in fields[11:15]) / TICKS
    live = 0.0
    for child in children(pid):
        try:
            live += cpu_seconds(child)
        except OSError:
            continue
    return own + live


def postmaster_listening_on(port: int) -> int | None:
    """The local PostgreSQL server started with ``-p port`` (deploy/local/postgres.sh)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv[0].endswith(b"/postgres") and _option(argv, b"-p") == str(port).encode():
            return int(entry.name)
    return None


def _option(argv: list[bytes], name: bytes) -> bytes | None:
    return argv[argv.index(name) + 1] if name in argv[:-1] else None


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
    trees: frozenset[str] = frozenset()
    """Names whose CPU includes their child processes (a database server)."""
    every_s: float = 0.25
    _cpu_start: dict[str, float] = field(default_factory=dict)
    _peak_kib: dict[str, int] = field(default_factory=dict)
    _task: asyncio.Task[None] | None = None

    def _alive(self) -> dict[str, int]:
        return {name: pid for name, pid in self.pids.items() if Path(f"/proc/{pid}").exists()}

    def _cpu(self, name: str, pid: int) -> float:
        return tree_cpu_seconds(pid) if name in self.trees else cpu_seconds(pid)

    @classmethod
    def of(cls, pids: dict[str, int]) -> UsageMeter:
        return cls(pids, trees=frozenset({DATABASE_SERVER}) & set(pids))

    def start(self) -> None:
        self._cpu_start = {name: self._cpu(name, pid) for name, pid in self._alive().items()}
        self._peak_kib = dict.fromkeys(self.pids, 0)
        self._task = asyncio.create_task(self._sample())

    async def _sample(self) -> None:
        while True:
            self._take_memory()
            await asyncio.sleep(self.every_s)

    def _take_memory(self) -> None:
        for name, pid in self._alive().items():
            if name in self.trees:
                continue  # shared buffers counted once per backend would mean nothing
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
            memory = {} if name in self.trees else memory_kib(pid)
            usage[name] = ProcessUsage(
                cpu_s=round(self._cpu(name, pid) - self._cpu_start.get(name, 0.0), 2),
                peak_rss_mib=round(self._peak_kib[name] / 1024, 1),
                hwm_mib=round(memory.get("VmHWM", 0) / 1024, 1),
            )
        return usage
