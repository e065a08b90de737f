"""Deployment checks run offline: kustomize and promtool (installed by ``make setup``), vendored
or shared JSON Schemas, hadolint from its PyPI wheel. The broken-copy fixtures copy
``deploy/k8s`` and edit one file, so each test shows the validator catching one kind of
mistake."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))

Doc = dict[str, Any]


@pytest.fixture
def k8s_copy(tmp_path: Path) -> Path:
    """A scratch copy of deploy/k8s to break on purpose."""
    target = tmp_path / "k8s"
    shutil.copytree(ROOT / "deploy" / "k8s", target)
    return target


def edit_documents(path: Path, change: Callable[[list[Doc]], list[Doc]]) -> None:
    documents = [d for d in yaml.safe_load_all(path.read_text()) if d]
    path.write_text(yaml.safe_dump_all(change(documents), sort_keys=False))


def named(documents: list[Doc], name: str) -> Doc:
    return next(d for d in documents if d["metadata"]["name"] == name)
