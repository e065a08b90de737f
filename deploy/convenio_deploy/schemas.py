"""Schema validation, offline: core kinds with ``kubernetes-validate`` (it ships the schemas),
Strimzi and KEDA kinds with the CRD JSON Schemas vendored in ``deploy/schemas/crds``. Both strict:
a field the schema does not know is an error, as the API server would prune or reject it.

The Prometheus Operator's kinds (``monitoring.coreos.com``: ServiceMonitor, PodMonitor,
PrometheusRule) have no vendored CRD schema: they are checked against the minimal schemas
written for this project in ``deploy/schemas/minimal`` (known fields, types, required fields;
not the operator's full schema), and their problems say so. A real CRD schema under
``deploy/schemas/crds`` would be used instead."""

from __future__ import annotations

import copy
import functools
import json
import os
import warnings
from pathlib import Path
from typing import Any

import jsonschema

REPO = Path(__file__).resolve().parents[2]
# Vendored from ../shared/schemas/crds (MIT, datreeio/CRDs-catalog), so a clone validates alone.
CRD_DIR = Path(os.environ.get("CONVENIO_CRD_SCHEMAS", REPO / "deploy" / "schemas" / "crds"))
KUBERNETES_VERSION = "1.32"
"""The oldest Kubernetes these manifests promise to work on (native sidecars, PDB v1...)."""
MINIMAL_DIR = REPO / "deploy" / "schemas" / "minimal"
CRD_GROUPS = ("kafka.strimzi.io", "keda.sh", "monitoring.coreos.com")
MINIMAL_GROUPS = ("monitoring.coreos.com",)
"""Groups whose kinds fall back to a schema of our own when no CRD schema is vendored."""


def _strict(schema: Any) -> Any:
    """Forbid unknown fields wherever the schema lists the known ones (kubeconform -strict)."""
    if isinstance(schema, dict):
        if (
            "properties" in schema
            and "additionalProperties" not in schema
            and not schema.get("x-kubernetes-preserve-unknown-fields")
        ):
            schema["additionalProperties"] = False
        for value in schema.values():
            _strict(value)
    elif isinstance(schema, list):
        for item in schema:
            _strict(item)
    return schema


@functools.cache
def _crd_validator(group: str, kind: str, version: str) -> jsonschema.Draft7Validator | None:
    path = CRD_DIR / group / f"{kind.lower()}_{version}.json"
    if path.exists():
        return jsonschema.Draft7Validator(_strict(copy.deepcopy(json.loads(path.read_text()))))
    minimal = MINIMAL_DIR / group / f"{kind.lower()}_{version}.json"
    if group in MINIMAL_GROUPS and minimal.exists():
        return jsonschema.Draft7Validator(json.loads(minimal.read_text()))
    return None


def schema_source(group: str, kind: str, version: str) -> str:
    """Which schema checks a custom resource: ``crd``, ``minimal`` (ours) or ``none``."""
    if (CRD_DIR / group / f"{kind.lower()}_{version}.json").exists():
        return "crd"
    if (
        group in MINIMAL_GROUPS
        and (MINIMAL_DIR / group / f"{kind.lower()}_{version}.json").exists()
    ):
        return "minimal"
    return "none"


def _where(error: jsonschema.ValidationError) -> str:
    return ".".join(str(p) for p in error.absolute_path) or "(top level)"


def schema_problems(document: dict[str, Any]) -> list[str]:
    api_version = document.get("apiVersion", "")
    kind = document.get("kind", "")
    group, _, version = api_version.rpartition("/")
    if group in CRD_GROUPS:
        validator = _crd_validator(group, kind, version)
        if validator is None:
            return [f"no offline schema for {api_version} {kind} under {CRD_DIR}"]
        problems = [f"{_where(e)}: {e.message}" for e in validator.iter_errors(document)]
        if problems and schema_source(group, kind, version) == "minimal":
            problems = [f"{p} (minimal schema, deploy/schemas/minimal)" for p in problems]
        if not document.get("metadata", {}).get("name"):
            problems.append("metadata.name is missing")
        return problems
    return _core_problems(document)


def _core_problems(document: dict[str, Any]) -> list[str]:
    import kubernetes_validate
    from kubernetes_validate.utils import SchemaNotFoundError, ValidationError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
    except ValidationError as error:
        return [f"{_where(error)}: {error.message}"]
    except SchemaNotFoundError as error:
        return [error.message]
    return []
