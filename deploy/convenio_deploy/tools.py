"""The external binaries the checks need, cached outside the work tree so a clean clone
installs each once per machine (``make setup`` runs ``install-tools``):

- ``kustomize``, built from its Go module (the Go module proxy is reachable from every machine
  here; no release download is), cached per version;
- ``promtool``, from Debian's ``prometheus`` package: the ``.deb`` is fetched with ``apt-get
  download`` and only ``/usr/bin/promtool`` is unpacked from it. Nothing is installed, so no
  Prometheus server is started or enabled (``apt-get install prometheus`` would start one).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
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


PROMTOOL_PACKAGE = "prometheus"
"""Debian's package; bookworm's is Prometheus 2.42, whose promtool checks and unit-tests the
rule files (``check rules``, ``test rules``)."""


def promtool_path() -> Path:
    if explicit := os.environ.get("PROMTOOL"):
        return Path(explicit)
    return CACHE / "promtool" / "promtool"


def _download_deb(package: str, into: Path) -> Path:
    apt = shutil.which("apt-get")
    if apt is None:
        raise SystemExit(f"downloading Debian's {package} package needs apt-get")
    download = [apt, "download", "-q", package]
    if subprocess.run(download, cwd=into, check=False, capture_output=True).returncode != 0:
        # A fresh machine may have no package lists yet.
        subprocess.run([apt, "update", "-q"], check=True, capture_output=True)
        subprocess.run(download, cwd=into, check=True, capture_output=True)
    debs = sorted(into.glob(f"{package}_*.deb"))
    if not debs:
        raise SystemExit(f"apt-get download {package} left no .deb in {into}")
    return debs[-1]


def _unpack_debs(packages: Sequence[str], work: Path) -> tuple[Path, list[str]]:
    """Debian's ``packages`` downloaded and unpacked together under ``work/root``, not
    installed, so no maintainer script runs (the prometheus package's would start a server).
    Returns the root and the names of the .deb files."""
    dpkg_deb = shutil.which("dpkg-deb")
    if dpkg_deb is None:
        raise SystemExit(f"unpacking {', '.join(packages)} needs dpkg-deb (Debian's dpkg)")
    root, names = work / "root", []
    for package in packages:
        deb = _download_deb(package, work)
        subprocess.run([dpkg_deb, "-x", str(deb), str(root)], check=True)
        names.append(deb.name)
    return root, names


def install_promtool() -> Path:
    """Idempotent: unpacks promtool only when it is not cached yet."""
    path = promtool_path()
    if path.exists():
        return path
    with tempfile.TemporaryDirectory() as scratch:
        root, [deb] = _unpack_debs((PROMTOOL_PACKAGE,), Path(scratch))
        unpacked = root / "usr" / "bin" / "promtool"
        if not unpacked.exists():
            raise SystemExit(f"{deb} ships no usr/bin/promtool")
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(unpacked, path.with_suffix(".partial"))
        path.with_suffix(".partial").replace(path)
        (path.parent / "from").write_text(deb + "\n")
    return path


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    """Run promtool; fails loudly when it is missing."""
    path = promtool_path()
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing: run `make setup` to install promtool")
    return subprocess.run([str(path), *args], capture_output=True, text=True, check=False)


ASYNCAPI_VALIDATOR = Path(__file__).resolve().parents[2] / "docs" / "asyncapi" / "validator"
"""The AsyncAPI project's parser (``@asyncapi/parser``, pinned by the committed
``package-lock.json``), installed into this project-local ``node_modules``."""


def asyncapi_parser_installed() -> bool:
    return (ASYNCAPI_VALIDATOR / "node_modules" / "@asyncapi" / "parser" / "package.json").exists()


def install_asyncapi_parser() -> Path:
    """Idempotent: ``npm ci`` from the lock file, only when the parser is not installed yet."""
    if asyncapi_parser_installed():
        return ASYNCAPI_VALIDATOR
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit(
            "installing the AsyncAPI parser needs Node.js and npm (apt-get install npm)"
        )
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
        cwd=ASYNCAPI_VALIDATOR,
        check=True,
        capture_output=True,
    )
    return ASYNCAPI_VALIDATOR


KCAT_PACKAGES = ("kcat", "librdkafka1", "libyajl2")
"""Debian's kcat and the two libraries it links that a Python machine lacks; unpacked, not
installed, like promtool (the guide's kcat recipe is run by tests/kit)."""


def kcat_path() -> Path:
    if explicit := os.environ.get("KCAT"):
        return Path(explicit)
    return CACHE / "kcat" / "usr" / "bin" / "kcat"


def kcat_environment() -> dict[str, str]:
    """The environment that finds the unpacked libraries next to the cached kcat."""
    libs = sorted(str(p) for p in (CACHE / "kcat" / "usr" / "lib").glob("*-linux-gnu"))
    return os.environ | {"LD_LIBRARY_PATH": ":".join(libs)}


def install_kcat() -> Path:
    """Idempotent: unpacks kcat and its libraries only when they are not cached yet."""
    path = kcat_path()
    if path.exists():
        return path
    root = CACHE / "kcat"
    with tempfile.TemporaryDirectory() as scratch:
        partial, _debs = _unpack_debs(KCAT_PACKAGES, Path(scratch))
        if not (partial / "usr" / "bin" / "kcat").exists():
            raise SystemExit("Debian's kcat package ships no usr/bin/kcat")
        shutil.rmtree(root, ignore_errors=True)
        root.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(partial, root, symlinks=True)
    return path
