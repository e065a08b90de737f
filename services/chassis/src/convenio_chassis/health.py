"""Liveness and readiness. Readiness is red while any named check fails, with the reason, so an
ACL error or a database outage does not look like an idle service.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class Check:
    ok: bool
    detail: str
    since: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


class Health:
    def __init__(self) -> None:
        self._checks: dict[str, Check] = {}

    def set(self, name: str, ok: bool, detail: str = "") -> None:
        current = self._checks.get(name)
        if current is None or current.ok != ok or current.detail != detail:
            self._checks[name] = Check(ok, detail)

    def pending(self, *names: str) -> None:
        for name in names:
            self._checks.setdefault(name, Check(False, "starting"))

    @property
    def ready(self) -> bool:
        return all(c.ok for c in self._checks.values())

    def report(self) -> dict[str, object]:
        return {
            "ready": self.ready,
            "checks": {
                name: {"ok": c.ok, "detail": c.detail, "since": c.since.isoformat()}
                for name, c in sorted(self._checks.items())
            },
        }
