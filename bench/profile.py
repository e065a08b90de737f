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
    self_pct: list[tuple[str, float]] = field(default_factory=list)
    """Functions where the samples were taken: what burns the CPU."""
    inclusive_pct: list[tuple[str, float]] = field(default_factory=list)
    """Functions on the stack: what the time is spent on behalf of."""
    raw_file: str = ""


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
    on_stack: Counter[str] = Counter()
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        total += n
        frames = [frame_name(f) for f in stack.split(";")]
        own[frames[-1]] += n
        for name in set(frames):
            on_stack[name] += n
    if not total:
        return Profile(service, 0, raw_file=str(raw))

    def pct(counter: Counter[str]) -> list[tuple[str, float]]:
        return [(name, round(100 * n / total, 1)) for name, n in counter.most_common(top)]

    # Inclusive time of the event loop and thread plumbing says nothing; keep project code
    # and the libraries it calls directly.
    for name in list(on_stack):
        if name.startswith(("threading.py", "asyncio/", "concurrent/", "<")) or "anyio/" in name:
            del on_stack[name]
    return Profile(service, total, pct(own), pct(on_stack), str(raw))
