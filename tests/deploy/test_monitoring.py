"""The operator's view: alert rules checked and unit-tested with promtool, and every alert and
dashboard panel watching only series that exist. promtool is unpacked by `make setup`
(``python -m convenio_deploy install-tools``) into the tools cache; these tests fail, never
skip, without it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from convenio_deploy import (
    SERVICES,
    alerts,
    dashboard,
    manifests,
    monitoring,
    promql,
    tools,
    validate,
)
from convenio_deploy.validate import of_kind

ROOT = Path(__file__).resolve().parents[2]
RULE_TESTS = sorted((Path(__file__).parent / "promtool").glob("*_test.yml"))
COMPOSE_RULES = ROOT / "deploy" / "compose" / "prometheus" / monitoring.COMPOSE_RULES
DASHBOARDS = (
    ROOT / "deploy" / "k8s" / "base" / "monitoring" / monitoring.DASHBOARD_FILE,
    ROOT / "deploy" / "compose" / "grafana" / "dashboards" / "convenio.json",
)


def promtool(*args: str) -> str:
    path = tools.promtool_path()
    assert path.exists(), f"{path} is missing: `make setup` installs promtool"
    result = tools.promtool(*args)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_promtool_checks_the_compose_rule_file() -> None:
    assert f"SUCCESS: {len(alerts.ALERTS)} rules found" in promtool(
        "check", "rules", str(COMPOSE_RULES)
    )


@pytest.mark.parametrize("overlay", validate.OVERLAYS)
def test_promtool_checks_the_prometheus_rule_of_each_overlay(tmp_path: Path, overlay: str) -> None:
    documents = validate.build(manifests.K8S_DIR / "overlays" / overlay)
    rules = of_kind(documents, "PrometheusRule")["convenio-alerts"]
    path = tmp_path / "rules.yml"
    path.write_text(yaml.safe_dump({"groups": rules["spec"]["groups"]}))
    assert f"SUCCESS: {len(alerts.ALERTS)} rules found" in promtool("check", "rules", str(path))


def test_the_compose_rules_are_the_prometheus_rule_groups() -> None:
    assert yaml.safe_load(COMPOSE_RULES.read_text()) == {"groups": alerts.rule_groups()}
    assert monitoring.prometheus_rule()["spec"]["groups"] == alerts.rule_groups()


@pytest.mark.parametrize("path", RULE_TESTS, ids=lambda p: p.name)
def test_promtool_unit_tests_of_the_alerts_pass(path: Path) -> None:
    assert "SUCCESS" in promtool("test", "rules", str(path))


def _rule_tests() -> list[dict[str, Any]]:
    assert RULE_TESTS, "no promtool rule tests under tests/deploy/promtool"
    return [
        case
        for path in RULE_TESTS
        for test in yaml.safe_load(path.read_text())["tests"]
        for case in test.get("alert_rule_test", [])
    ]


@pytest.mark.parametrize("alert", alerts.ALERTS, ids=lambda a: f"{a.name}-{a.signal}")
def test_every_alert_has_a_unit_test_where_it_fires_and_one_where_it_does_not(
    alert: alerts.Alert,
) -> None:
    cases = [c for c in _rule_tests() if c["alertname"] == alert.name]
    fired = [
        expected["exp_labels"]
        for case in cases
        for expected in case.get("exp_alerts") or []
        if alert.labels.items() <= expected["exp_labels"].items()
        and expected["exp_labels"]["severity"] == alert.severity
    ]
    assert fired, f"no promtool case where {alert.name} {alert.labels or ''} fires"
    assert any(not c.get("exp_alerts") for c in cases), f"no case where {alert.name} stays quiet"


def test_every_rule_file_the_tests_load_is_the_generated_one() -> None:
    for path in RULE_TESTS:
        files = [
            (path.parent / f).resolve() for f in yaml.safe_load(path.read_text())["rule_files"]
        ]
        assert files == [COMPOSE_RULES.resolve()]


def _expressions() -> list[tuple[str, str]]:
    found = [(f"alert {a.name}", a.expr) for a in alerts.ALERTS]
    found += [(f"panel {i}", expr) for i, expr in enumerate(dashboard.expressions())]
    return found


@pytest.mark.parametrize(("where", "expr"), _expressions())
def test_every_expression_uses_only_series_that_exist(where: str, expr: str) -> None:
    names = promql.metric_names(expr)
    assert names, f"{where}: no metric found in {expr}"
    assert names <= promql.known(), f"{where}: {names - promql.known()} is exported by nothing"
    assert promql.label_values(expr, "check") <= promql.health_checks(), where


def test_the_metric_registry_is_what_a_service_exposes() -> None:
    """The scan finds the chassis' metrics under their scraped names, and the services' own."""
    exported = promql.exported()
    assert {
        "convenio_records_handled_total",
        "convenio_records_dead_lettered_total",
        "convenio_handler_seconds_bucket",
        "convenio_outbox_backlog",
        "convenio_health_check_ok",
        "convenio_seconds_since_last_record",
        "convenio_feed_current_as_of_seconds",
        "convenio_feed_refreshes_total",
        "convenio_expiry_alerts_total",
    } <= exported
    assert "convenio_records_handled" not in exported, "a counter is scraped with _total"
    assert {"convenio_source_flooding", "convenio_source_quarantined"} <= exported


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ('sum by (job, topic) (rate(a_total{x="y"}[5m])) > 0', {"a_total"}),
        (
            'histogram_quantile(0.99, sum by (le) (rate(h_bucket{job=~"$job"}[$__rate_interval])))',
            {"h_bucket"},
        ),
        ("x > 0 and on (topic) max by (topic) (y) > 300", {"x", "y"}),
        ("time() - max by (job) (feed) > 300", {"feed"}),
        ('min(a{check="b"}) or max by (job) (0 * c + 1)', {"a", "c"}),
    ],
)
def test_metric_names_are_read_from_an_expression(expr: str, names: set[str]) -> None:
    assert promql.metric_names(expr) == names


def test_a_misspelt_metric_is_unknown() -> None:
    assert promql.unknown_metrics("rate(convenio_records_handeld_total[5m])") == {
        "convenio_records_handeld_total"
    }


def test_the_committed_dashboards_are_the_generated_one() -> None:
    for path in DASHBOARDS:
        assert path.read_text() == dashboard.dashboard_json(), f"{path}: run `make k8s`"


def test_the_dashboard_shows_what_an_operator_asks() -> None:
    model = json.loads(DASHBOARDS[0].read_text())
    shown = " ".join(dashboard.expressions(model))
    for needle in (
        "convenio_records_handled_total",  # throughput
        "kafka_consumergroup_lag",  # lag
        "convenio_outbox_backlog",  # outbox backlog
        "convenio_records_dead_lettered_total",  # dead letters
        "convenio_source_flooding",  # a source flooding (ADR 0080: no breaker halts)
        "convenio_feed_current_as_of_seconds",  # feed freshness
    ):
        assert needle in shown, needle
    ids = [p["id"] for p in model["panels"]]
    assert len(ids) == len(set(ids))
    assert {t["datasource"]["uid"] for p in model["panels"] for t in p.get("targets", [])} == {
        "${datasource}"
    }


def test_the_doc_lists_every_alert() -> None:
    doc = (ROOT / manifests.OPERATIONS_DOC).read_text()
    assert manifests.with_alert_table(doc) == doc, "run `make k8s`"
    for alert in alerts.ALERTS:
        assert f"`{alert.name}`" in doc


def test_every_service_is_scraped_under_its_own_job() -> None:
    for service in SERVICES:
        monitor = monitoring.service_monitor(service)
        assert monitor["spec"]["selector"]["matchLabels"] == service.labels
        assert "jobLabel" not in monitor["spec"]
    jobs = {j["job_name"] for j in monitoring.compose_prometheus()["scrape_configs"]}
    assert {s.name for s in SERVICES} <= jobs
