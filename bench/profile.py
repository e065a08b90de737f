"""Where the services spend their time under load: py-spy samples each service process while a
stream is pushed through as fast as possible, in a phase of its own so that the sampling does
not distort the measured numbers.

py-spy is not a project dependency: ``make bench-profile`` runs with ``uv run --with py-spy``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

_FRAME = re.compile(r"^(?P<function>.+?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")
_SITE = ("site-packages/", "/lib/python3")


@dataclass
class Profile:
    service: str
    samples: int
    by_category: list[tuple[str, float]] = field(default_factory=list)
    """Where the CPU went, by what the sampled (innermost) frame belongs to."""
    project_pct: list[tuple[str, float]] = field(default_factory=list)
    """Project functions on the stack (inclusive): what the time is spent on behalf of."""
    self_pct: list[tuple[str, float]] = field(default_factory=list)
    """Functions where the samples were taken."""
    raw_file: str = ""


PROJECT = ("convenio_chassis/", "convenio_contracts/", "enrolment/", "evaluation/", "reporting/")
_PLUMBING = ("__main__.py:", "runtime.py:serve")
_DRIVER_CALLS = (":DefaultDialect.do_", ":Connection.exec_driver_sql", "cursor")
CATEGORIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("database driver: SQL running", _DRIVER_CALLS),
    ("SQLAlchemy and SQLModel (ORM, SQL building)", ("sqlalchemy/", "sqlmodel/")),
    ("pydantic (validation, JSON)", ("pydantic", "json/")),
    ("OpenTelemetry", ("opentelemetry/",)),
    ("aiokafka and FastStream", ("aiokafka/", "faststream/")),
    ("HTTP (uvicorn, FastAPI)", ("uvicorn/", "fastapi/", "starlette/", "h11/")),
    ("event loop, threads", ("asyncio/", "selectors.py", "threading.py", "anyio/", "queue.py")),
    ("project code", PROJECT),
)


def _plumbing(frame: str) -> bool:
    """The main thread's entry points: on every event-loop sample, telling nothing."""
    return any(marker in frame for marker in _PLUMBING)


def category(frame: str) -> str:
    for name, markers in CATEGORIES:
        if any(marker in frame for marker in markers):
            return name
    return "other (standard library, uuid, logging...)"


def py_spy() -> str | None:
    return shutil.which("py-spy")


def start(pid: int, seconds: float, output: Path) -> subprocess.Popen[bytes]:
    """Sample ``pid`` for ``seconds`` without stopping it, into collapsed stacks."""
    executable = py_spy()
    if executable is None:
        raise RuntimeError("py-spy is not installed: run with `uv run --with py-spy`")
    return subprocess.Popen(
        [
            executable,
            "record",
            "--pid",
            str(pid),
            "--duration",
            str(int(seconds)),
            "--rate",
            "100",
            "--format",
            "raw",
            "--nonblocking",
            "--output",
            str(output),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def frame_name(frame: str) -> str:
    """``function (path:line)`` -> ``module-ish/file.py:function``, short enough for a table."""
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    path = match["file"]
    for marker in ("site-packages/", "/src/", "/lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{path}:{match['function']}"


def summarise(service: str, raw: Path, top: int = 15) -> Profile:
    own: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    project: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [frame_name(f) for f in stack.split(";")]
        own[frames[-1]] += n
        kinds[category(frames[-1])] += n
        for name in {f for f in frames if f.startswith(PROJECT) and not _plumbing(f)}:
            project[name] += n
    if not total:
        return Profile(service, 0, raw_file=str(raw))

    def pct(counter: Counter[str], limit: int | None = top) -> list[tuple[str, float]]:
        return [(name, round(100 * n / total, 1)) for name, n in counter.most_common(limit)]

    return Profile(service, total, pct(kinds, None), pct(project), pct(own, 10), str(raw))
