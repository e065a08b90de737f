"""Reads and writes the evaluation tables inside the unit of work's session, mapping rows to
domain values and back.

A batch loads up front, in a few ``IN`` queries, the rows its handlers will look up one by one
(``prefetch``), and keeps them in the chassis's ``batch_memo`` (ADR 0052). A key in the memo is
the truth for this transaction (``None``: no such row); a key missing means "ask the database".
Whatever writes a memoised row updates the memo in the same step.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import delete, func, inspect, tuple_
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from convenio_chassis.consumer import batch_memo

from ..domain.certification import Certification
from ..domain.cup import (
    CompetencyResult,
    Component,
    ComponentState,
    Evidence,
    Result,
    Status,
)
from .tables import (
    CompetencyResultRow,
    ComponentResultRow,
    CupComponentRow,
    CupEligibilityRow,
    ExpiryAlertRow,
    HeldIntakeRow,
    InstructorCertificationRow,
    KnownEnrolment,
    KnownOfficer,
    ScheduledAssessmentRow,
)

_HELD_FOR = "held for"
"""Memo key prefix: the officer's held intake, in arrival order."""
IN_LIMIT = 500
"""Identifiers per ``IN (...)``: well under any database's limit on bound parameters."""


def _chunks(ids: Collection[str]) -> Iterator[list[str]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), IN_LIMIT):
        yield ordered[start : start + IN_LIMIT]


class EvaluationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.memo: dict[Any, Any] = batch_memo(session)

    # --- what a batch loads before its handlers run ------------------------------------------

    def prefetch(
        self,
        officer_ids: Collection[str],
        enrolment_ids: Collection[str],
        releasing: Collection[str],
        holding: Collection[str],
    ) -> None:
        """Load the known officers and enrolments the batch names, the intake held for the
        officers it may release, and whether the commands it may hold are held already."""
        self._memoise(KnownOfficer, "officer_id", officer_ids)
        self._memoise(KnownEnrolment, "enrolment_id", enrolment_ids)
        for chunk in _chunks(holding):
            query = select(HeldIntakeRow.event_id).where(col(HeldIntakeRow.event_id).in_(chunk))
            held = set(self.session.exec(query))
            self.memo.update({(HeldIntakeRow, e): e in held for e in chunk})
        for chunk in _chunks(releasing):
            by_officer: dict[str, list[HeldIntakeRow]] = {o: [] for o in chunk}
            rows = (
                select(HeldIntakeRow)
                .where(col(HeldIntakeRow.officer_id).in_(chunk))
                .order_by(col(HeldIntakeRow.id))
            )
            for row in self.session.exec(rows):
                by_officer[row.officer_id].append(row)
            self.memo.update({(_HELD_FOR, o): r for o, r in by_officer.items()})

    def _memoise(self, table: type[SQLModel], key: str, ids: Collection[str]) -> None:
        """Each row of ``table`` whose primary ``key`` is one of ``ids``, or ``None``."""
        for chunk in _chunks(ids):
            query = select(table).where(col(getattr(table, key)).in_(chunk))
            found = {getattr(r, key): r for r in self.session.exec(query)}
            self.memo.update({(table, i): found.get(i) for i in chunk})

    # --- officers and instructors ---------------------------------------------------------

    def officer(self, officer_id: str) -> KnownOfficer | None:
        key = (KnownOfficer, officer_id)
        if key not in self.memo:
            self.memo[key] = self.session.get(KnownOfficer, officer_id)
        row: KnownOfficer | None = self.memo[key]
        return row

    def officer_known(self, officer_id: str) -> bool:
        return self.officer(officer_id) is not None

    def know_officer(
        self, officer_id: str, level: str, municipality: int, status: str | None = None
    ) -> None:
        """Record the officer's level and municipality, and their status when the fact says."""
        row = self.officer(officer_id)
        if row is None:
            row = KnownOfficer(officer_id=officer_id, level=level, municipality=municipality)
            self.session.add(row)
            self.memo[KnownOfficer, officer_id] = row
        row.level, row.municipality = level, municipality
        if status is not None:
            row.status = status

    def know_enrolment(self, enrolment_id: str, **fields: Any) -> None:
        """Record the enrolment as the fact gives it, over whatever was known."""
        key = (KnownEnrolment, enrolment_id)
        if key not in self.memo:
            self.memo[key] = self.session.get(KnownEnrolment, enrolment_id)
        row: KnownEnrolment | None = self.memo[key]
        if row is None:
            self.memo[key] = row = KnownEnrolment(enrolment_id=enrolment_id, **fields)
            self.session.add(row)
            return
        for name, value in fields.items():
            setattr(row, name, value)

    def certifications(self, instructor_id: str) -> list[Certification]:
        query = select(InstructorCertificationRow).where(
            InstructorCertificationRow.instructor_id == instructor_id
        )
        return [
            Certification(r.instructor_id, r.competency, r.valid_from, r.valid_until)
            for r in self.session.exec(query)
        ]

    def add_certifications(self, certifications: Iterable[Certification]) -> bool:
        """Store the periods not already held; True when anything was new."""
        added = False
        for c in certifications:
            key = (c.instructor_id, c.competency, c.valid_from)
            row = self.session.get(InstructorCertificationRow, key)
            if row is not None and row.valid_until == c.valid_until:
                continue
            self.session.merge(
                InstructorCertificationRow(
                    instructor_id=c.instructor_id,
                    competency=c.competency,
                    valid_from=c.valid_from,
                    valid_until=c.valid_until,
                )
            )
            added = True
        return added

    # --- results ----------------------------------------------------------------------------

    def competency_result(
        self, officer_id: str, version: str, competency: str, evaluator_id: str, on: dt.date
    ) -> CompetencyResultRow | None:
        query = select(CompetencyResultRow).where(
            CompetencyResultRow.officer_id == officer_id,
            CompetencyResultRow.catalogue_version == version,
            CompetencyResultRow.competency == competency,
            CompetencyResultRow.evaluator_id == evaluator_id,
            CompetencyResultRow.evaluated_on == on,
        )
        return self.session.exec(query).first()

    def attempts(self, officer_id: str, version: str, competency: str) -> int:
        query = select(func.count()).where(
            CompetencyResultRow.officer_id == officer_id,
            CompetencyResultRow.catalogue_version == version,
            CompetencyResultRow.competency == competency,
        )
        return int(self.session.exec(query).one())

    def component_result(
        self, officer_id: str, component: Component, source_key: str
    ) -> ComponentResultRow | None:
        query = select(ComponentResultRow).where(
            ComponentResultRow.officer_id == officer_id,
            ComponentResultRow.component == component.value,
            ComponentResultRow.source_key == source_key,
        )
        return self.session.exec(query).first()

    def add(self, row: CompetencyResultRow | ComponentResultRow) -> None:
        self.session.add(row)
        self.session.flush()  # later queries in this unit of work must see it

    def evidence(self, officer_id: str) -> Evidence:
        results: dict[Component, list[Result]] = defaultdict(list)
        component_rows = select(ComponentResultRow).where(
            ComponentResultRow.officer_id == officer_id
        )
        for r in self.session.exec(component_rows.order_by(col(ComponentResultRow.id))):
            results[Component(r.component)].append(Result(r.passed, r.evaluated_on))
        competency_rows = select(CompetencyResultRow).where(
            CompetencyResultRow.officer_id == officer_id
        )
        competencies = [
            CompetencyResult(r.catalogue_version, r.competency, r.passed, r.evaluated_on)
            for r in self.session.exec(competency_rows.order_by(col(CompetencyResultRow.id)))
        ]
        return Evidence(dict(results), competencies, self.scheduled_components(officer_id))

    # --- scheduled assessments --------------------------------------------------------------

    def scheduled_components(self, officer_id: str) -> frozenset[Component]:
        query = select(ScheduledAssessmentRow.component).where(
            ScheduledAssessmentRow.officer_id == officer_id
        )
        return frozenset(Component(c) for c in self.session.exec(query))

    def schedule(
        self, officer_id: str, component: Component, due_on: dt.date, today: dt.date
    ) -> bool:
        """Record an assessment as scheduled; False when it already was, for that day."""
        row = self.session.get(ScheduledAssessmentRow, (officer_id, component.value))
        if row is not None and row.due_on == due_on:
            return False
        self.session.merge(
            ScheduledAssessmentRow(
                officer_id=officer_id, component=component.value, due_on=due_on, scheduled_on=today
            )
        )
        self.session.flush()
        return True

    def answer_schedule(self, officer_id: str, component: Component, evaluated_on: dt.date) -> None:
        """A result taken on or after the day an assessment was scheduled answers it."""
        self.session.execute(
            delete(ScheduledAssessmentRow).where(
                col(ScheduledAssessmentRow.officer_id) == officer_id,
                col(ScheduledAssessmentRow.component) == component.value,
                col(ScheduledAssessmentRow.scheduled_on) <= evaluated_on,
            )
        )

    # --- the CUP as last published ----------------------------------------------------------

    def has_components(self, officer_id: str) -> bool:
        query = select(CupComponentRow.component).where(CupComponentRow.officer_id == officer_id)
        return self.session.exec(query).first() is not None

    def published_states(self, officer_id: str) -> dict[Component, ComponentState]:
        query = select(CupComponentRow).where(CupComponentRow.officer_id == officer_id)
        return {
            Component(r.component): ComponentState(Status(r.status), r.valid_from, r.valid_until)
            for r in self.session.exec(query)
        }

    def publish_state(
        self, officer_id: str, component: Component, state: ComponentState, today: dt.date
    ) -> None:
        self.session.merge(
            CupComponentRow(
                officer_id=officer_id,
                component=component.value,
                status=state.status.value,
                valid_from=state.valid_from,
                valid_until=state.valid_until,
                changed_on=today,
            )
        )

    def lock_cup(self, officer_id: str, today: dt.date) -> CupEligibilityRow:
        """Take the officer's CUP for this transaction, creating its row on first use.

        Two replicas may recompute one officer at once (a result on one topic, a completion on
        another, the scheduler): whoever locks second waits, then reads what the first
        committed, so no change is published twice. SQLite serialises writers anyway."""
        query = select(CupEligibilityRow).where(CupEligibilityRow.officer_id == officer_id)
        row = self.session.exec(query.with_for_update()).first()
        if row is not None:
            return row
        try:
            with self.session.begin_nested():
                self.session.add(
                    CupEligibilityRow(officer_id=officer_id, eligible=False, changed_on=today)
                )
        except IntegrityError:  # created by a concurrent transaction, now committed
            pass
        return self.session.exec(query.with_for_update()).one()

    # --- what the expiry scheduler scans ----------------------------------------------------

    def officers_with_lapsed_approvals(self, today: dt.date, after: str, limit: int) -> list[str]:
        """Officers whose published approval's last day is past, in officer_id order."""
        query = (
            select(CupComponentRow.officer_id)
            .where(
                CupComponentRow.status == Status.APROBATORIA_VIGENTE.value,
                col(CupComponentRow.valid_until) < today,
                col(CupComponentRow.officer_id) > after,
            )
            .distinct()
            .order_by(col(CupComponentRow.officer_id))
            .limit(limit)
        )
        return list(self.session.exec(query))

    def approvals_due_an_alert(
        self, today: dt.date, window: int, after: tuple[str, str], limit: int
    ) -> Sequence[tuple[CupComponentRow, int | None]]:
        """Approvals in force whose last day falls within ``window`` days and that have had no
        alert of this window or a tighter one, with the tightest window already sent."""
        same_approval = (
            ExpiryAlertRow.officer_id == CupComponentRow.officer_id,
            ExpiryAlertRow.component == CupComponentRow.component,
            ExpiryAlertRow.valid_until == CupComponentRow.valid_until,
        )
        smallest_sent = (
            select(func.min(ExpiryAlertRow.days_before)).where(*same_approval).scalar_subquery()
        )
        this_or_tighter_sent = (
            select(ExpiryAlertRow.days_before)
            .where(*same_approval, col(ExpiryAlertRow.days_before) <= window)
            .exists()
        )
        query = (
            select(CupComponentRow, smallest_sent)
            .where(
                CupComponentRow.status == Status.APROBATORIA_VIGENTE.value,
                col(CupComponentRow.valid_until) >= today,
                col(CupComponentRow.valid_until) <= today + dt.timedelta(days=window),
                tuple_(col(CupComponentRow.officer_id), col(CupComponentRow.component)) > after,
                ~this_or_tighter_sent,
            )
            .order_by(col(CupComponentRow.officer_id), col(CupComponentRow.component))
            .limit(limit)
        )
        return [(row, smallest) for row, smallest in self.session.exec(query)]

    def record_alert(
        self, row: CupComponentRow, valid_until: dt.date, days_before: int, today: dt.date
    ) -> None:
        self.session.add(
            ExpiryAlertRow(
                officer_id=row.officer_id,
                component=row.component,
                valid_until=valid_until,
                days_before=days_before,
                alerted_on=today,
            )
        )

    # --- held intake ----------------------------------------------------------------------

    def hold(self, row: HeldIntakeRow) -> None:
        if self._held(row.event_id):
            return
        self.session.add(row)
        self.memo[HeldIntakeRow, row.event_id] = True
        held_for = self.memo.get((_HELD_FOR, row.officer_id))
        if held_for is not None:
            held_for.append(row)

    def _held(self, event_id: str) -> bool:
        key = (HeldIntakeRow, event_id)
        if key not in self.memo:
            query = select(HeldIntakeRow.id).where(HeldIntakeRow.event_id == event_id)
            self.memo[key] = self.session.exec(query).first() is not None
        held: bool = self.memo[key]
        return held

    def release(self, officer_id: str) -> list[HeldIntakeRow]:
        """Take every command held for the officer, in the order they arrived."""
        rows: list[HeldIntakeRow] | None = self.memo.get((_HELD_FOR, officer_id))
        if rows is None:
            query = (
                select(HeldIntakeRow)
                .where(HeldIntakeRow.officer_id == officer_id)
                .order_by(col(HeldIntakeRow.id))
            )
            rows = list(self.session.exec(query))
        if any(inspect(row).pending for row in rows):
            self.session.flush()  # held earlier in this batch: a row must exist to be deleted
        for row in rows:
            self.session.delete(row)
            self.memo[HeldIntakeRow, row.event_id] = False
        self.memo[_HELD_FOR, officer_id] = []
        return rows

    def holds_received_by(self, last_day: dt.date, limit: int) -> list[HeldIntakeRow]:
        query = (
            select(HeldIntakeRow)
            .where(col(HeldIntakeRow.received_on) <= last_day)
            .order_by(col(HeldIntakeRow.id))
            .limit(limit)
        )
        return list(self.session.exec(query))
