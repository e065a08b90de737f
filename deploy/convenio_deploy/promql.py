"""Which metric names exist, and which ones a PromQL expression uses, so that an alert or a
dashboard panel can never watch a series nobody exports (it would stay silent forever).

The bulk of the services' metrics is the chassis' ``Metrics`` registry
(``convenio_chassis.metrics``), read by building one and asking it what it collects. The
reporting feed refresher and the evaluation expiry scheduler register theirs inside their
background jobs, so those are read from the source: every ``Counter``, ``Gauge``, ``Histogram``,
``Summary`` and ``*MetricFamily`` whose name is a string literal, in ``services/*/src``. Names
are turned into the sample names Prometheus sees (a counter ``x`` is scraped as ``x_total``, a
histogram ``h`` as ``h_bucket``, ``h_sum`` and ``h_count``)."""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SERVICES_DIR = REPO / "services"

SUFFIXES = {
    "Counter": ("_total", "_created"),
    "CounterMetricFamily": ("_total", "_created"),
    "Gauge": ("",),
    "GaugeMetricFamily": ("",),
    "Histogram": ("_bucket", "_sum", "_count", "_created"),
    "HistogramMetricFamily": ("_bucket", "_sum", "_count", "_created"),
    "Summary": ("", "_sum", "_count", "_created"),
    "SummaryMetricFamily": ("", "_sum", "_count", "_created"),
}
EXTERNAL = {
    "kafka_consumergroup_lag": "Strimzi's Kafka Exporter (kafkaExporter in the Kafka resource)",
}
"""Series the services do not export, which the alerts and dashboard may use, and who does."""

_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset"}
_KEYWORDS |= {"and", "or", "unless", "inf", "nan"}


def _called(node: ast.Call) -> str | None:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def declared_in(source: str) -> dict[str, str]:
    """Metric name -> the kind of metric, for every metric declared with a literal name."""
    found = {}
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call) or _called(node) not in SUFFIXES:
            continue
        first = node.args[0] if node.args else None
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            found[first.value] = str(_called(node))
    return found


FAMILY_KINDS = {
    "counter": "Counter",
    "gauge": "Gauge",
    "histogram": "Histogram",
    "summary": "Summary",
}


def chassis_metrics() -> dict[str, str]:
    """What a service's ``Metrics`` registry collects, readiness checks included."""
    from convenio_chassis.health import Health
    from convenio_chassis.metrics import Metrics

    metrics = Metrics()
    metrics.watch(Health())
    return {
        family.name: FAMILY_KINDS[family.type]
        for family in metrics.registry.collect()
        if family.type in FAMILY_KINDS
    }


@functools.cache
def declared() -> dict[str, str]:
    """Every metric the services declare: name -> kind."""
    found = chassis_metrics()
    for path in sorted(SERVICES_DIR.glob("*/src/**/*.py")):
        found |= declared_in(path.read_text())
    return found


@functools.cache
def exported() -> frozenset[str]:
    """Every sample name a scrape of a Convenio service can return."""
    return frozenset(
        name + suffix for name, kind in declared().items() for suffix in SUFFIXES[kind]
    )


def known() -> frozenset[str]:
    return exported() | frozenset(EXTERNAL)


def metric_names(expression: str) -> set[str]:
    """The metric names an expression selects. Grafana variables (``$job``,
    ``$__rate_interval``) are ignored, as are functions, keywords and label names."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expression)  # string literals
    text = re.sub(r"\$\{?\w+\}?", "", text)  # Grafana variables
    text = re.sub(r"\{[^}]*\}", " ", text)  # label matchers
    text = re.sub(r"\[[^\]]*\]", " ", text)  # ranges and subqueries
    text = re.sub(
        r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text
    )  # grouping labels
    text = re.sub(r"\b[a-zA-Z_:][\w:]*\s*\(", "(", text)  # function and aggregation names
    text = re.sub(r"\b\d[\w.]*", " ", text)  # numbers and durations
    return {name for name in re.findall(r"[a-zA-Z_:][\w:]*", text) if name not in _KEYWORDS}


def unknown_metrics(expression: str) -> set[str]:
    return metric_names(expression) - known()


def label_values(expression: str, label: str) -> set[str]:
    """Values an expression matches ``label`` to exactly (``label="value"``)."""
    return set(re.findall(rf'\b{label}\s*=\s*"([^"]*)"', expression))


@functools.cache
def health_checks() -> frozenset[str]:
    """Readiness check names the services set (``health.set("name", ...)``): the values the
    ``check`` label of ``convenio_health_check_ok`` can take."""
    names = set()
    for path in sorted(SERVICES_DIR.glob("*/src/**/*.py")):
        names |= set(re.findall(r'health\.set\(\s*"(\w+)"', path.read_text()))
    return frozenset(names)
