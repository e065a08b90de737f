"""What the numbers were measured on: they mean little without it."""

from __future__ import annotations

import datetime as dt
import os
import platform
import sqlite3
import subprocess
from importlib import metadata
from pathlib import Path

from .broker import KAFKA_VERSION

ROOT = Path(__file__).resolve().parents[1]


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 1024 / 1024, 1)
    return 0.0


def _git_commit() -> str:
    result = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True)
    return result.stdout.strip() + ("+changes" if dirty.stdout.strip() else "")


def load_average() -> tuple[float, float, float]:
    return os.getloadavg()


def describe() -> dict[str, object]:
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": _git_commit(),
        "nproc": len(os.sched_getaffinity(0)),
        "cpu": _cpu_model(),
        "memory_gib": _memory_gib(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "kafka": KAFKA_VERSION,
        "java": _java_version(),
        "aiokafka": metadata.version("aiokafka"),
        "faststream": metadata.version("faststream"),
        "sqlalchemy": metadata.version("sqlalchemy"),
        "sqlite": sqlite3.sqlite_version,
        "load_average_at_start": load_average(),
    }


def _java_version() -> str:
    try:
        result = subprocess.run(["java", "-version"], capture_output=True, text=True)
    except OSError:
        return "unknown"
    first = (result.stderr or result.stdout).splitlines()[:1]
    return first[0] if first else "unknown"
