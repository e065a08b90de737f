"""Waiting for an asynchronous outcome without sleeping blindly."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def eventually(probe: Callable[[], T], timeout: float = 60.0, every: float = 0.3) -> T:
    """The probe's first truthy answer, or its last answer when time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(every)
