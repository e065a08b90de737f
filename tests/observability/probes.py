"""What an operator looks at: a service's ``/metrics`` and its log lines."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from ..polling import eventually as eventually  # the observability tests import it from here


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
