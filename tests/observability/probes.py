"""What an operator looks at: a service's ``/metrics`` and its log lines."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from prometheus_client.parser import text_string_to_metric_families

T = TypeVar("T")


def eventually(probe: Callable[[], T], timeout: float = 60.0, every: float = 0.3) -> T:
    """The probe's first truthy answer, or its last answer when time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(every)


class Scrape:
    """One scrape of ``/metrics``: sample values by name and labels."""

    def __init__(self, text: str) -> None:
        self._samples = [
            (sample.name, sample.labels, sample.value)
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        ]

    @classmethod
    def of(cls, base_url: str) -> Scrape:
        with urllib.request.urlopen(f"{base_url}/metrics", timeout=5) as response:
            return cls(response.read().decode())

    def value(self, name: str, **labels: str) -> float:
        """The sum of the samples of ``name`` whose labels include ``labels``."""
        return sum(
            value
            for sample, sample_labels, value in self._samples
            if sample == name and labels.items() <= sample_labels.items()
        )

    def labels(self, name: str, label: str) -> set[str]:
        return {found[label] for sample, found, _ in self._samples if sample == name}

    def consumed(self, **labels: str) -> float:
        """Records that reached an outcome: handled, ignored, duplicate or dead-lettered."""
        return sum(
            self.value(f"convenio_records_{outcome}_total", **labels)
            for outcome in ("handled", "ignored", "duplicate", "dead_lettered")
        )


def log_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
