"""The one external binary the checks need: ``kustomize``, built from its Go module (the
Go module proxy is reachable from every machine here; no release download is) and cached
per version outside the work tree, so a clean clone installs it once per machine."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

KUSTOMIZE_MODULE = "sigs.k8s.io/kustomize/kustomize/v5"
KUSTOMIZE_VERSION = "v5.7.1"
CACHE = Path(os.environ.get("CONVENIO_TOOLS", Path.home() / ".cache" / "convenio" / "tools"))


def kustomize_path() -> Path:
    if explicit := os.environ.get("KUSTOMIZE"):
        return Path(explicit)
    return CACHE / f"kustomize-{KUSTOMIZE_VERSION}" / "kustomize"


def install_kustomize() -> Path:
    """Idempotent: builds only when this version is not cached yet."""
    path = kustomize_path()
    if path.exists():
        return path
    go = shutil.which("go")
    if go is None:
        raise SystemExit("installing kustomize needs Go (the polyglot machine has it)")
    path.parent.mkdir(parents=True, exist_ok=True)
    env = os.environ | {"GOBIN": str(path.parent), "CGO_ENABLED": "0"}
    subprocess.run([go, "install", f"{KUSTOMIZE_MODULE}@{KUSTOMIZE_VERSION}"], env=env, check=True)
    return path


def kustomize_build(directory: Path) -> str:
    path = kustomize_path()
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `make setup` to install kustomize")
    result = subprocess.run(
        [str(path), "build", str(directory)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise KustomizeError(f"kustomize build {directory} failed:\n{result.stderr}")
    return result.stdout


class KustomizeError(RuntimeError):
    pass
