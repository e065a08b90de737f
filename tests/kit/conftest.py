"""The integration kit's tests: the tools cache (kcat) lives in deploy/convenio_deploy."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "deploy"))
