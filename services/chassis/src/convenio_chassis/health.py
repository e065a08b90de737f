"""Liveness and readiness. Readiness is red while any named check fails, with the reason, so an
ACL error or a database outage does not look like an idle service.

Alerts are shown beside the checks but never make the service unready: a publisher flooding
intake with garbage is that publisher's problem, and the service keeps serving everyone else.
Details are short words chosen by the service (an exception's class, never its message, which
can quote data): readiness is unauthenticated.
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
        self._alerts: dict[str, dict[str, object]] = {}

    def set(self, name: str, ok: bool, detail: str = "") -> None:
        current = self._checks.get(name)
        if current is None or current.ok != ok or current.detail != detail:
            self._checks[name] = Check(ok, detail)

    def pending(self, *names: str) -> None:
        for name in names:
            self._checks.setdefault(name, Check(False, "starting"))

    def alert(self, name: str, **details: object) -> None:
        """Raise (or update) an alert; with no details, clear it."""
        if details:
            self._alerts[name] = details
        else:
            self._alerts.pop(name, None)

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
            "alerts": dict(sorted(self._alerts.items())),
        }
