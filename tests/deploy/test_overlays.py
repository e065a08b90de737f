"""Every overlay builds with kustomize and passes the whole validator: schemas (core kinds,
Strimzi and KEDA CRDs) and the catalogue, security and shutdown rules."""

from __future__ import annotations

import pytest

from convenio_deploy import SERVICES, manifests, validate
from convenio_deploy.validate import of_kind


@pytest.fixture(scope="module", params=validate.OVERLAYS)
def overlay(request: pytest.FixtureRequest) -> tuple[str, list[dict]]:
    name = request.param
    return name, validate.build(manifests.K8S_DIR / "overlays" / name)


def test_overlay_passes_every_check(overlay: tuple[str, list[dict]]) -> None:
    _, documents = overlay
    assert validate.validate_documents(documents) == []


def test_scalers_never_outnumber_the_partitions(overlay: tuple[str, list[dict]]) -> None:
    _, documents = overlay
    scalers = of_kind(documents, "ScaledObject")
    for service in SERVICES:
        spec = scalers[service.name]["spec"]
        assert spec["minReplicaCount"] <= spec["maxReplicaCount"] <= service.max_replicas
        assert {t["metadata"]["consumerGroup"] for t in spec["triggers"]} == {service.group}


def test_prod_runs_three_brokers_and_tolerates_losing_one(overlay: tuple[str, list[dict]]) -> None:
    name, documents = overlay
    pool = of_kind(documents, "KafkaNodePool")["dual-role"]["spec"]
    config = of_kind(documents, "Kafka")["convenio"]["spec"]["kafka"]["config"]
    replicas = {t["spec"]["replicas"] for t in of_kind(documents, "KafkaTopic").values()}
    if name == "prod":
        assert (pool["replicas"], config["min.insync.replicas"], replicas) == (3, 2, {3})
    else:
        assert (pool["replicas"], config["min.insync.replicas"], replicas) == (1, 1, {1})


def test_nothing_secret_is_committed(overlay: tuple[str, list[dict]]) -> None:
    _, documents = overlay
    assert not of_kind(documents, "Secret")
