"""The validator is only worth its green if it goes red: each test breaks one thing in a copy
of deploy/k8s and expects the validator to name it."""

from __future__ import annotations

from pathlib import Path

import yaml

from convenio_deploy.validate import validate_overlay

from .conftest import Doc, edit_documents, named


def problems_in(k8s: Path, overlay: str = "prod") -> list[str]:
    return validate_overlay(k8s / "overlays" / overlay)


def test_a_misspelt_field_in_a_kafka_user(k8s_copy: Path) -> None:
    def misspell(users: list[Doc]) -> list[Doc]:
        spec = named(users, "svc-reporting")["spec"]
        spec["authentification"] = spec.pop("authentication")
        return users

    edit_documents(k8s_copy / "base" / "kafka" / "users.yaml", misspell)
    problems = problems_in(k8s_copy)
    assert any(
        p.startswith("KafkaUser/svc-reporting: spec:") and "'authentification'" in p
        for p in problems
    ), problems


def test_a_topic_missing_from_the_manifests(k8s_copy: Path) -> None:
    def drop(topics: list[Doc]) -> list[Doc]:
        return [t for t in topics if t["metadata"]["name"] != "enrolment.training.v1"]

    edit_documents(k8s_copy / "base" / "kafka" / "topics.yaml", drop)
    assert problems_in(k8s_copy) == [
        "topic enrolment.training.v1 is in the catalogue but has no KafkaTopic"
    ]


def test_an_acl_broader_than_the_matrix(k8s_copy: Path) -> None:
    def widen(users: list[Doc]) -> list[Doc]:
        acls = named(users, "svc-reporting")["spec"]["authorization"]["acls"]
        acls.append(
            {
                "resource": {"type": "topic", "name": "enrolment.", "patternType": "prefix"},
                "operations": ["Read", "Write"],
            }
        )
        return users

    edit_documents(k8s_copy / "base" / "kafka" / "users.yaml", widen)
    problems = problems_in(k8s_copy)
    assert "KafkaUser svc-reporting: grants more than the ownership matrix: " in problems[0]
    assert any("wildcard topic ACL" in p for p in problems)


def test_an_extra_operation_on_a_read_only_topic(k8s_copy: Path) -> None:
    def write_to_facts(users: list[Doc]) -> list[Doc]:
        for acl in named(users, "svc-evaluation")["spec"]["authorization"]["acls"]:
            if acl["resource"]["name"] == "enrolment.officer.v1":
                acl["operations"].append("Write")
        return users

    edit_documents(k8s_copy / "base" / "kafka" / "users.yaml", write_to_facts)
    assert problems_in(k8s_copy) == [
        "KafkaUser svc-evaluation: grants more than the ownership matrix: "
        "Acl(resource_type='topic', name='enrolment.officer.v1', pattern='literal', "
        "operation='Write')"
    ]


def add_patch(k8s: Path, target: dict[str, str], operations: list[Doc]) -> None:
    """Append a JSON patch to the prod overlay, as an operator editing it might."""
    path = k8s / "overlays" / "prod" / "kustomization.yaml"
    kustomization = yaml.safe_load(path.read_text())
    kustomization["patches"].append({"target": target, "patch": yaml.safe_dump(operations)})
    path.write_text(yaml.safe_dump(kustomization, sort_keys=False))


def test_more_replicas_than_the_partitions(k8s_copy: Path) -> None:
    add_patch(
        k8s_copy,
        {"kind": "ScaledObject", "name": "evaluation"},
        [{"op": "replace", "path": "/spec/maxReplicaCount", "value": 6}],
    )
    assert problems_in(k8s_copy) == [
        "ScaledObject evaluation: maxReplicaCount=6 exceeds 3, "
        "the fewest partitions among the topics it consumes"
    ]


def test_a_password_written_into_the_deployment(k8s_copy: Path) -> None:
    add_patch(
        k8s_copy,
        {"kind": "Deployment", "name": "enrolment"},
        [
            {
                "op": "replace",
                "path": "/spec/template/spec/containers/0/env/1",
                "value": {"name": "KAFKA_SASL_PASSWORD", "value": "hunter2"},
            }
        ],
    )
    problems = problems_in(k8s_copy)
    assert (
        "Deployment enrolment: KAFKA_SASL_PASSWORD is a literal: secrets come by "
        "reference only" in problems
    )


def test_a_committed_secret(k8s_copy: Path) -> None:
    secret = k8s_copy / "base" / "database-secret.yaml"
    secret.write_text(
        "apiVersion: v1\nkind: Secret\nmetadata: {name: enrolment-database}\n"
        "stringData: {url: 'postgresql://enrolment:pw@db/enrolment'}\n"
    )
    kustomization = k8s_copy / "base" / "kustomization.yaml"
    kustomization.write_text(
        kustomization.read_text().replace("resources:\n", "resources:\n  - database-secret.yaml\n")
    )
    assert problems_in(k8s_copy) == [
        "Secret/enrolment-database: secrets are referenced, never committed"
    ]


def test_a_grace_period_shorter_than_the_drain(k8s_copy: Path) -> None:
    add_patch(
        k8s_copy,
        {"kind": "Deployment", "name": "reporting"},
        [
            {
                "op": "replace",
                "path": "/spec/template/spec/terminationGracePeriodSeconds",
                "value": 30,
            }
        ],
    )
    problems = problems_in(k8s_copy)
    assert len(problems) == 1
    assert problems[0].startswith("Deployment reporting: terminationGracePeriodSeconds=30")


def test_no_default_deny(k8s_copy: Path) -> None:
    def allow_all(policies: list[Doc]) -> list[Doc]:
        return [p for p in policies if p["metadata"]["name"] != "default-deny"]

    edit_documents(k8s_copy / "base" / "network-policies.yaml", allow_all)
    assert problems_in(k8s_copy) == [
        f"pods of {name}: no default-deny NetworkPolicy selects them"
        for name in ("enrolment", "evaluation", "reporting")
    ]


def test_a_misspelt_field_in_a_core_kind(k8s_copy: Path) -> None:
    add_patch(
        k8s_copy,
        {"kind": "Deployment", "name": "enrolment"},
        [{"op": "add", "path": "/spec/template/spec/terminationGracePeriod", "value": 90}],
    )
    problems = problems_in(k8s_copy)
    assert len(problems) == 1
    assert problems[0].startswith("Deployment/enrolment: spec.template.spec:")
    assert "terminationGracePeriod" in problems[0]


def test_a_deployment_that_does_not_migrate_first(k8s_copy: Path) -> None:
    add_patch(
        k8s_copy,
        {"kind": "Deployment", "name": "enrolment"},
        [{"op": "remove", "path": "/spec/template/spec/initContainers"}],
    )
    assert problems_in(k8s_copy) == [
        "Deployment enrolment: no init container runs "
        "`python -m convenio_chassis.migrations enrolment upgrade`"
    ]


def test_replicas_that_would_also_migrate_at_start_up(k8s_copy: Path) -> None:
    add_patch(
        k8s_copy,
        {"kind": "Deployment", "name": "evaluation"},
        [
            {
                "op": "replace",
                "path": "/spec/template/spec/containers/0/env/3",
                "value": {"name": "MIGRATE_ON_START", "value": "true"},
            }
        ],
    )
    assert problems_in(k8s_copy) == [
        "Deployment evaluation: MIGRATE_ON_START must be 'false': the init container migrates"
    ]


def test_a_migration_from_another_image(k8s_copy: Path) -> None:
    add_patch(
        k8s_copy,
        {"kind": "Deployment", "name": "reporting"},
        [
            {
                "op": "replace",
                "path": "/spec/template/spec/initContainers/0/image",
                "value": "registry.example.org/convenio/reporting:0.0.9",
            }
        ],
    )
    assert problems_in(k8s_copy) == [
        "Deployment reporting: the migrate init container must use the service's own image"
    ]


def test_a_service_monitor_on_a_port_the_service_lacks(k8s_copy: Path) -> None:
    def wrong_port(documents: list[Doc]) -> list[Doc]:
        monitor = next(d for d in documents if d["kind"] == "ServiceMonitor")
        monitor["spec"]["endpoints"][0]["port"] = "metrics"
        return documents

    edit_documents(k8s_copy / "base" / "reporting" / "workload.yaml", wrong_port)
    assert problems_in(k8s_copy) == [
        "Service reporting: no ServiceMonitor scrapes /metrics on one of its ports as job "
        "'reporting' (the alerts and dashboard filter on it; no jobLabel)"
    ]


def test_a_misspelt_field_in_a_service_monitor(k8s_copy: Path) -> None:
    def misspell(documents: list[Doc]) -> list[Doc]:
        monitor = next(d for d in documents if d["kind"] == "ServiceMonitor")
        monitor["spec"]["endpoint"] = monitor["spec"].pop("endpoints")
        return documents

    edit_documents(k8s_copy / "base" / "enrolment" / "workload.yaml", misspell)
    problems = problems_in(k8s_copy)
    assert any(
        p.startswith("ServiceMonitor/enrolment: spec:")
        and "'endpoint'" in p
        and p.endswith("(minimal schema, deploy/schemas/minimal)")
        for p in problems
    ), problems


def test_an_alert_dropped_from_the_prometheus_rule(k8s_copy: Path) -> None:
    def drop(documents: list[Doc]) -> list[Doc]:
        rules = documents[0]["spec"]["groups"][0]["rules"]
        rules[:] = [r for r in rules if r["alert"] != "ConvenioFeedStale"]
        return documents

    edit_documents(k8s_copy / "base" / "monitoring" / "alerts.yaml", drop)
    assert problems_in(k8s_copy) == [
        "alert ConvenioFeedStale (deploy/convenio_deploy/alerts.py) is in no PrometheusRule"
    ]


def test_an_alert_on_a_metric_nobody_exports(k8s_copy: Path) -> None:
    add_patch(
        k8s_copy,
        {"kind": "PrometheusRule", "name": "convenio-alerts"},
        [
            {
                "op": "replace",
                "path": "/spec/groups/0/rules/0/expr",
                "value": "sum(increase(convenio_records_deadlettered_total[15m])) > 0",
            }
        ],
    )
    assert problems_in(k8s_copy) == [
        "PrometheusRule/convenio-alerts: ConvenioDeadLetters uses "
        "convenio_records_deadlettered_total, which nothing exports"
    ]


def test_lag_that_nobody_scrapes(k8s_copy: Path) -> None:
    (k8s_copy / "base" / "monitoring" / "monitors.yaml").write_text("")
    assert problems_in(k8s_copy) == [
        "no PodMonitor scrapes the Kafka Exporter (convenio-kafka-exporter, port tcp-prometheus)"
    ]


def test_lag_exported_for_fewer_groups_than_the_catalogue_has(k8s_copy: Path) -> None:
    add_patch(
        k8s_copy,
        {"kind": "Kafka", "name": "convenio"},
        [
            {
                "op": "replace",
                "path": "/spec/kafkaExporter/groupRegex",
                "value": "^(enrolment|evaluation)$",
            }
        ],
    )
    assert problems_in(k8s_copy) == [
        "Kafka: kafkaExporter.groupRegex '^(enrolment|evaluation)$' leaves out group 'reporting'"
    ]


def test_a_scaler_reading_lag_with_a_services_credential(k8s_copy: Path) -> None:
    """KEDA must use the Describe-only lag reader: a service's user can read its intake."""
    add_patch(
        k8s_copy,
        {"kind": "TriggerAuthentication", "name": "keda-lag"},
        [{"op": "replace", "path": "/spec/secretTargetRef/0/name", "value": "svc-enrolment"}],
    )
    problems = problems_in(k8s_copy)
    assert (
        "TriggerAuthentication keda-lag: password must come from secret keda-lag, "
        "the Describe-only lag reader, not a service's" in problems
    ), problems


def test_http_open_to_every_namespace(k8s_copy: Path) -> None:
    """The breach of issue 17: every pod in the cluster could reach the CUIP lookup."""
    add_patch(
        k8s_copy,
        {"kind": "NetworkPolicy", "name": "enrolment"},
        [{"op": "remove", "path": "/spec/ingress/0/from"}],
    )
    assert problems_in(k8s_copy) == ["pods of enrolment: ingress from every namespace and pod"]


def test_http_open_to_a_namespace_that_does_not_need_it(k8s_copy: Path) -> None:
    """Reporting's feed is public through the ingress; UMS's systems have no business there,
    and every pod of the ingress namespace is not a pod selector's worth of trust."""
    ums = {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ums"}}}
    add_patch(
        k8s_copy,
        {"kind": "NetworkPolicy", "name": "reporting"},
        [
            {"op": "add", "path": "/spec/ingress/0/from/-", "value": ums},
            {"op": "add", "path": "/spec/ingress/0/from/-", "value": {"podSelector": {}}},
        ],
    )
    assert problems_in(k8s_copy) == [
        f"pods of reporting: ingress from {ums}, not one of ['ingress-nginx', 'monitoring']",
        "pods of reporting: ingress from {'podSelector': {}}, not one of "
        "['ingress-nginx', 'monitoring']",
    ]
