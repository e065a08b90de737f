"""What an integrator reads from any service: ``GET /asyncapi`` (the AsyncAPI 3.0 document of
every topic) and ``GET /schemas/<type>.json`` / ``/schemas/consumer/<type>.json`` (the JSON
Schemas that ``ce_dataschema`` and ``$id`` name). Both are generated from the contracts, the
same way the committed ``docs/asyncapi/convenio.json`` and ``contracts/schemas`` are."""

from __future__ import annotations

import functools
from typing import Any

from fastapi import APIRouter, HTTPException

from convenio_contracts import asyncapi, schemas


def integration_router() -> APIRouter:
    router = APIRouter(tags=["integration"])

    @router.get("/asyncapi")
    def asyncapi_document() -> dict[str, Any]:
        return _asyncapi()

    @router.get("/schemas/{name:path}")
    def schema(name: str) -> dict[str, Any]:
        found = _schemas().get(name)
        if found is None:
            raise HTTPException(status_code=404, detail=f"no schema {name!r}")
        return found

    return router


@functools.cache
def _asyncapi() -> dict[str, Any]:
    return asyncapi.document()


@functools.cache
def _schemas() -> dict[str, dict[str, Any]]:
    return schemas.schema_documents()
