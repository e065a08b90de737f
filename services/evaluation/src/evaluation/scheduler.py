"""The expiry scheduler: on each tick, as of the injected clock's today, it

1. lapses approvals past their last day (``aprobatoria_no_vigente``, eligibility flips);
2. sends ``certification.expiring`` for every approval entering its 180/90/30-day window,
   once each: the ``expiry_alert`` table's key refuses a second send of the same alert;
3. rejects intake held longer than allowed for an officer who never arrived.

It works in batches, one transaction each, and finds its work by index (status and last day),
so a tick over 28,800 officers reads only those with something due. Ticks are idempotent: a
second tick on the same day finds nothing to do.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import anyio
from prometheus_client import Counter
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from convenio_chassis.db import SessionFactory
from convenio_chassis.outbox import outbox_row_for
from convenio_chassis.runtime import Runtime
from convenio_contracts import Event
from convenio_contracts.evaluation import CertificationExpiring, CupComponent
from convenio_contracts.rejections import EvaluationIntakeRejected, RejectionReason

from . import cup_record
from .adapters.repository import EvaluationRepository
from .domain.dates import Clock
from .domain.expiry import alert_due
from .domain.holding import given_up_if_received_by, unknown_officer
from .domain.policy import Policy

log = logging.getLogger(__name__)


class ScheduledWork:
    """The scheduler's counterpart of a handler's unit of work: facts go to the outbox."""

    def __init__(self, session: Session, source: str) -> None:
        self.session = session
        self.source = source
        self.emitted = 0

    def emit(self, event: Event) -> None:
        self.session.add(outbox_row_for(event, source=self.source))
        self.emitted += 1


@dataclass
class TickReport:
    today: dt.date
    lapsed_officers: int = 0
    alerts: int = 0
    holds_rejected: int = 0
    emitted: int = 0


class ExpiryScheduler:
    def __init__(
        self, sessions: SessionFactory, policy: Policy, today: Clock, source: str, batch: int
    ) -> None:
        self.sessions = sessions
        self.policy = policy
        self.today = today
        self.source = source
        self.batch = batch

    def tick(self) -> TickReport:
        report = TickReport(self.today())
        self._lapse(report)
        self._alert(report)
        self._give_up_holds(report)
        return report

    def _lapse(self, report: TickReport) -> None:
        after = ""
        while True:
            with self.sessions() as session, session.begin():
                work = ScheduledWork(session, self.source)
                repo = EvaluationRepository(session)
                officers = repo.officers_with_lapsed_approvals(report.today, after, self.batch)
                for officer_id in officers:
                    cup_record.refresh(
                        work, officer_id, self.policy, report.today, cup_record.EXPIRY
                    )
            report.lapsed_officers += len(officers)
            report.emitted += work.emitted
            if len(officers) < self.batch:
                return
            after = officers[-1]

    def _alert(self, report: TickReport) -> None:
        # tightest window first: an approval already alerted at 30 days is not due at 90
        for window in sorted(set(self.policy.alert_days)):
            after = ("", "")
            while True:
                with self.sessions() as session, session.begin():
                    work = ScheduledWork(session, self.source)
                    repo = EvaluationRepository(session)
                    due = repo.approvals_due_an_alert(report.today, window, after, self.batch)
                    for row, smallest_sent in due:
                        assert row.valid_until is not None
                        days = alert_due(
                            row.valid_until, report.today, self.policy.alert_days, smallest_sent
                        )
                        if days is None:
                            continue
                        repo.record_alert(row, row.valid_until, days, report.today)
                        work.emit(
                            CertificationExpiring(
                                officer_id=row.officer_id,
                                component=CupComponent(row.component),
                                valid_until=row.valid_until,
                                days_left=days,
                                alerted_on=report.today,
                            )
                        )
                        report.alerts += 1
                report.emitted += work.emitted
                if len(due) < self.batch:
                    break
                after = (due[-1][0].officer_id, due[-1][0].component)

    def _give_up_holds(self, report: TickReport) -> None:
        last_day = given_up_if_received_by(report.today, self.policy)
        while True:
            with self.sessions() as session, session.begin():
                work = ScheduledWork(session, self.source)
                held = EvaluationRepository(session).holds_received_by(last_day, self.batch)
                for row in held:
                    refusal = unknown_officer(row.received_on, self.policy)
                    work.emit(
                        EvaluationIntakeRejected(
                            rejected_event_id=row.event_id,
                            rejected_event_type=row.event_type,
                            reason=RejectionReason(refusal.reason.value),
                            message=refusal.message,
                        )
                    )
                    session.delete(row)
            report.holds_rejected += len(held)
            report.emitted += work.emitted
            if len(held) < self.batch:
                return


def expiry_job(
    policy: Policy, today: Clock, interval_s: float, batch: int
) -> Callable[[Runtime], Awaitable[None]]:
    """The scheduler as a chassis background task: ``ServiceDefinition.background``."""

    async def run(runtime: Runtime) -> None:
        scheduler = ExpiryScheduler(
            runtime.sessions, policy, today, f"/convenio/{runtime.definition.name}", batch
        )
        ticks = Counter(
            "convenio_expiry_scheduler_ticks",
            "Expiry scheduler runs completed",
            registry=runtime.metrics.registry,
        )
        alerts = Counter(
            "convenio_expiry_alerts",
            "certification.expiring alerts written to the outbox",
            registry=runtime.metrics.registry,
        )
        while True:
            try:
                report = await anyio.to_thread.run_sync(scheduler.tick)
            except IntegrityError:  # another replica sent the same alerts first
                log.info("expiry scheduler: another replica was first, next tick goes on")
            except Exception as exc:  # the database: the next tick tries again
                runtime.health.set("expiry_scheduler", False, f"tick failed: {exc!r}")
                log.warning("expiry scheduler tick failed: %r", exc)
            else:
                runtime.health.set("expiry_scheduler", True)
                ticks.inc()
                alerts.inc(report.alerts)
                if report.emitted:
                    runtime.relay.wake()
                    log.info(
                        "expiry scheduler %s: %d officers lapsed, %d alerts, %d holds rejected",
                        report.today,
                        report.lapsed_officers,
                        report.alerts,
                        report.holds_rejected,
                    )
            await asyncio.sleep(interval_s)

    return run
