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
from typing import Any, TypeVar

from sqlalchemy import and_, delete, func, inspect, or_, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, SQLModel, col, select

from convenio_chassis.consumer import batch_memo

from ..domain.certification import Certification
from ..domain.cup import (
    ACTIVE,
    CompetencyResult,
    Component,
    ComponentState,
    Evidence,
    Result,
    Status,
)
from ..domain.feedback import Enrolled
from .tables import (
    CompetencyResultRow,
    ComponentResultRow,
    CupComponentRow,
    CupEligibilityRow,
    ExpiryAlertRow,
    FeedbackAnswered,
    HeldIntakeRow,
    InstructorCertificationRow,
    KnownEnrolment,
    KnownOffering,
    KnownOfficer,
    ScheduledAssessmentRow,
)

R = TypeVar("R", ComponentResultRow, CompetencyResultRow)

_HELD_FOR = "held for"
"""Memo key prefixes: the officer's held intake, in arrival order; their results, in the order
recorded; their scheduled assessments and published components, by component; an instructor's
certified periods."""
_COMPONENT_RESULTS, _COMPETENCY_RESULTS = "component results", "competency results"
_SCHEDULED, _PUBLISHED, _CERTIFIED = "scheduled", "published", "certified"
_EVIDENCE = (_COMPONENT_RESULTS, _COMPETENCY_RESULTS, _SCHEDULED, _PUBLISHED)
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

    def prefetch_cups(self, officer_ids: Collection[str], instructor_ids: Collection[str]) -> None:
        """Lock the officers' CUPs, then load what recomputing them reads: locked first, the
        evidence is what any concurrent writer committed (see ``lock_cup``)."""
        for chunk in _chunks(officer_ids):
            query = (
                select(CupEligibilityRow)
                .where(col(CupEligibilityRow.officer_id).in_(chunk))
                .order_by(col(CupEligibilityRow.officer_id))  # the scheduler's order: no deadlock
                .with_for_update()
            )
            locked = {r.officer_id: r for r in self.session.exec(query)}
            self.memo.update({(CupEligibilityRow, o): locked.get(o) for o in chunk})
            self._memoise_evidence(chunk)
        for chunk in _chunks(instructor_ids):
            certified: dict[str, list[Certification]] = {i: [] for i in chunk}
            periods = select(InstructorCertificationRow).where(
                col(InstructorCertificationRow.instructor_id).in_(chunk)
            )
            for r in self.session.exec(periods):
                certified[r.instructor_id].append(_certification(r))
            self.memo.update({(_CERTIFIED, i): c for i, c in certified.items()})

    def _memoise_evidence(self, officer_ids: list[str]) -> None:
        lists: dict[str, dict[str, Any]] = {
            o: {
                _COMPONENT_RESULTS: [],
                _COMPETENCY_RESULTS: [],
                _SCHEDULED: {},
                _PUBLISHED: {},
            }
            for o in officer_ids
        }
        components = select(ComponentResultRow).where(
            col(ComponentResultRow.officer_id).in_(officer_ids)
        )
        for c in self.session.exec(components.order_by(col(ComponentResultRow.id))):
            lists[c.officer_id][_COMPONENT_RESULTS].append(c)
        competencies = select(CompetencyResultRow).where(
            col(CompetencyResultRow.officer_id).in_(officer_ids)
        )
        for r in self.session.exec(competencies.order_by(col(CompetencyResultRow.id))):
            lists[r.officer_id][_COMPETENCY_RESULTS].append(r)
        scheduled = select(ScheduledAssessmentRow).where(
            col(ScheduledAssessmentRow.officer_id).in_(officer_ids)
        )
        for a in self.session.exec(scheduled):
            lists[a.officer_id][_SCHEDULED][a.component] = a
        published = select(CupComponentRow).where(col(CupComponentRow.officer_id).in_(officer_ids))
        for p in self.session.exec(published):
            lists[p.officer_id][_PUBLISHED][p.component] = p
        for officer_id, kinds in lists.items():
            self.memo.update({(kind, officer_id): value for kind, value in kinds.items()})

    def _forget_evidence(self, officer_id: str) -> None:
        for kind in _EVIDENCE:
            self.memo.pop((kind, officer_id), None)

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

    def know_offering(self, offering_id: str, instructors: Iterable[str]) -> None:
        self.session.merge(
            KnownOffering(offering_id=offering_id, instructors="\n".join(sorted(instructors)))
        )

    def instructors_of(self, offering_id: str) -> frozenset[str] | None:
        row = self.session.get(KnownOffering, offering_id)
        return None if row is None else frozenset(filter(None, row.instructors.split("\n")))

    def enrolled(self, enrolment_id: str) -> Enrolled | None:
        row = self.session.get(KnownEnrolment, enrolment_id)
        return None if row is None else Enrolled(row.enrolment_id, row.offering_id)

    def has_answered(self, enrolment_id: str) -> bool:
        return self.session.get(FeedbackAnswered, enrolment_id) is not None

    def answer_feedback(self, enrolment_id: str) -> None:
        self.session.add(FeedbackAnswered(enrolment_id=enrolment_id))
        self.session.flush()  # a second response later in this batch must see it

    def certifications(self, instructor_id: str) -> list[Certification]:
        key = (_CERTIFIED, instructor_id)
        if key not in self.memo:
            query = select(InstructorCertificationRow).where(
                InstructorCertificationRow.instructor_id == instructor_id
            )
            self.memo[key] = [_certification(r) for r in self.session.exec(query)]
        certified: list[Certification] = self.memo[key]
        return certified

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
            self.memo.pop((_CERTIFIED, c.instructor_id), None)
        return added

    # --- results ----------------------------------------------------------------------------

    def competency_result(
        self, officer_id: str, version: str, competency: str, evaluator_id: str, on: dt.date
    ) -> CompetencyResultRow | None:
        rows: list[CompetencyResultRow] | None = self.memo.get((_COMPETENCY_RESULTS, officer_id))
        if rows is not None:
            key = (version, competency, evaluator_id, on)
            same = (r for r in rows if _competency_key(r) == key)
            return next(same, None)
        query = select(CompetencyResultRow).where(
            CompetencyResultRow.officer_id == officer_id,
            CompetencyResultRow.catalogue_version == version,
            CompetencyResultRow.competency == competency,
            CompetencyResultRow.evaluator_id == evaluator_id,
            CompetencyResultRow.evaluated_on == on,
        )
        return self.session.exec(query).first()

    def component_result(
        self, officer_id: str, component: Component, source_key: str
    ) -> ComponentResultRow | None:
        rows: list[ComponentResultRow] | None = self.memo.get((_COMPONENT_RESULTS, officer_id))
        if rows is not None:
            same = (r for r in rows if (r.component, r.source_key) == (component.value, source_key))
            return next(same, None)
        query = select(ComponentResultRow).where(
            ComponentResultRow.officer_id == officer_id,
            ComponentResultRow.component == component.value,
            ComponentResultRow.source_key == source_key,
        )
        return self.session.exec(query).first()

    def add(self, row: CompetencyResultRow | ComponentResultRow) -> None:
        self.session.add(row)
        kind = _COMPETENCY_RESULTS if isinstance(row, CompetencyResultRow) else _COMPONENT_RESULTS
        rows: list[Any] | None = self.memo.get((kind, row.officer_id))
        if rows is not None:
            rows.append(row)
        else:
            self.session.flush()  # later queries in this unit of work must see it

    def evidence(self, officer_id: str) -> Evidence:
        """Read after ``lock_cup``: what is memoised here is what no one else may change."""
        results: dict[Component, list[Result]] = defaultdict(list)
        for c in self._results(ComponentResultRow, _COMPONENT_RESULTS, officer_id):
            results[Component(c.component)].append(Result(c.passed, c.evaluated_on))
        competencies = self.competency_results(officer_id)
        officer = self.officer(officer_id)
        active = officer is None or officer.status == ACTIVE  # unknown: nothing says otherwise
        return Evidence(dict(results), competencies, self.scheduled_components(officer_id), active)

    def competency_results(self, officer_id: str) -> list[CompetencyResult]:
        return [
            CompetencyResult(r.catalogue_version, r.competency, r.passed, r.evaluated_on)
            for r in self._results(CompetencyResultRow, _COMPETENCY_RESULTS, officer_id)
        ]

    def _results(self, table: type[R], kind: str, officer_id: str) -> list[R]:
        key = (kind, officer_id)
        if key not in self.memo:
            query = select(table).where(col(table.officer_id) == officer_id)
            self.memo[key] = list(self.session.exec(query.order_by(col(table.id))))
        rows: list[R] = self.memo[key]
        return rows

    # --- scheduled assessments --------------------------------------------------------------

    def scheduled_components(self, officer_id: str) -> frozenset[Component]:
        return frozenset(Component(c) for c in self._scheduled(officer_id))

    def _scheduled(self, officer_id: str) -> dict[str, ScheduledAssessmentRow]:
        key = (_SCHEDULED, officer_id)
        if key not in self.memo:
            query = select(ScheduledAssessmentRow).where(
                ScheduledAssessmentRow.officer_id == officer_id
            )
            self.memo[key] = {r.component: r for r in self.session.exec(query)}
        scheduled: dict[str, ScheduledAssessmentRow] = self.memo[key]
        return scheduled

    def schedule(
        self, officer_id: str, component: Component, due_on: dt.date, today: dt.date
    ) -> bool:
        """Record an assessment as scheduled; False when it already was, for that day."""
        scheduled: dict[str, ScheduledAssessmentRow] | None = self.memo.get(
            (_SCHEDULED, officer_id)
        )
        if scheduled is None:
            row = self.session.get(ScheduledAssessmentRow, (officer_id, component.value))
        else:
            row = scheduled.get(component.value)
        if row is not None and row.due_on == due_on:
            return False
        if row is None:
            row = ScheduledAssessmentRow(
                officer_id=officer_id, component=component.value, due_on=due_on, scheduled_on=today
            )
            self.session.add(row)
        row.due_on, row.scheduled_on = due_on, today
        if scheduled is not None:
            scheduled[component.value] = row
        return True

    def answer_schedule(self, officer_id: str, component: Component, evaluated_on: dt.date) -> None:
        """A result taken on or after the day an assessment was scheduled answers it."""
        scheduled: dict[str, ScheduledAssessmentRow] | None = self.memo.get(
            (_SCHEDULED, officer_id)
        )
        if scheduled is not None:
            row = scheduled.get(component.value)
            if row is not None and row.scheduled_on <= evaluated_on:
                del scheduled[component.value]
                if inspect(row).pending:
                    self.session.expunge(row)  # scheduled earlier in this batch: never written
                else:
                    self.session.delete(row)
            return
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
        return {
            Component(r.component): ComponentState(Status(r.status), r.valid_from, r.valid_until)
            for r in self._published(officer_id).values()
        }

    def _published(self, officer_id: str) -> dict[str, CupComponentRow]:
        key = (_PUBLISHED, officer_id)
        if key not in self.memo:
            query = select(CupComponentRow).where(CupComponentRow.officer_id == officer_id)
            self.memo[key] = {r.component: r for r in self.session.exec(query)}
        published: dict[str, CupComponentRow] = self.memo[key]
        return published

    def publish_state(
        self, officer_id: str, component: Component, state: ComponentState, today: dt.date
    ) -> None:
        published = self._published(officer_id)
        row = published.get(component.value)
        if row is None:
            row = CupComponentRow(
                officer_id=officer_id, component=component.value, status="", changed_on=today
            )
            self.session.add(row)
            published[component.value] = row
        row.status, row.changed_on = state.status.value, today
        row.valid_from, row.valid_until = state.valid_from, state.valid_until

    def lock_cup(self, officer_id: str, today: dt.date) -> CupEligibilityRow:
        """Take the officer's CUP for this transaction, creating its row on first use.

        Two replicas may recompute one officer at once (a result on one topic, a completion on
        another, the scheduler): whoever locks second waits, then reads what the first
        committed, so no change is published twice. SQLite serialises writers anyway.

        A batch locks its officers' CUPs before it loads their evidence (``prefetch_cups``).
        An officer with no CUP yet has nothing to lock: what was loaded for them stands unless
        a concurrent transaction creates the CUP first, which it does only with evidence of its
        own, so then it is forgotten and read again behind the lock."""
        key = (CupEligibilityRow, officer_id)
        row: CupEligibilityRow | None = self.memo.get(key)
        if row is not None:
            return row
        query = select(CupEligibilityRow).where(CupEligibilityRow.officer_id == officer_id)
        if key not in self.memo:
            row = self.session.exec(query.with_for_update()).first()
        if row is None:
            row = self._create_cup(officer_id, today)
        if row is None:  # created by a concurrent transaction, now committed
            self._forget_evidence(officer_id)
            row = self.session.exec(query.with_for_update()).one()
        self.memo[key] = row
        return row

    def _create_cup(self, officer_id: str, today: dt.date) -> CupEligibilityRow | None:
        """The officer's new CUP, or ``None`` when another transaction created it first (the
        insert waits for that one to end). One statement: no savepoint, no flush."""
        values: dict[str, Any] = {"officer_id": officer_id, "eligible": False, "changed_on": today}
        dialect = postgresql if self.session.get_bind().dialect.name == "postgresql" else sqlite
        table = CupEligibilityRow.__table__  # type: ignore[attr-defined]
        insert = dialect.insert(table).values(**values).on_conflict_do_nothing()
        with self.session.no_autoflush:
            created = self.session.execute(insert.returning(table.c.officer_id)).first()
        if created is None:
            return None
        row = CupEligibilityRow(**values)
        make_transient_to_detached(row)  # the row exists: later changes are an UPDATE
        self.session.add(row)
        return row

    # --- what the expiry scheduler scans ----------------------------------------------------

    def officers_with_lapsed_approvals(self, today: dt.date, after: str, limit: int) -> list[str]:
        """Officers with a published result in force (approving or not) whose last day is past,
        in officer_id order; and those with a non-approval published before non-approvals had
        a validity (ADR 0075), so that it gets one."""
        in_force = (Status.APROBATORIA_VIGENTE.value, Status.VIGENTE_NO_APROBATORIA.value)
        without_validity = and_(
            col(CupComponentRow.status) == Status.VIGENTE_NO_APROBATORIA.value,
            col(CupComponentRow.valid_until).is_(None),
        )
        query = (
            select(CupComponentRow.officer_id)
            .where(
                or_(
                    and_(
                        col(CupComponentRow.status).in_(in_force),
                        col(CupComponentRow.valid_until) < today,
                    ),
                    without_validity,
                ),
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
        alert of this window or a tighter one, with the tightest window already sent. An
        officer on baja or suspended is not alerted."""
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
        inactive = (
            select(KnownOfficer.officer_id)
            .where(
                KnownOfficer.officer_id == CupComponentRow.officer_id,
                KnownOfficer.status != ACTIVE,
            )
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
                ~inactive,
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

    def holds_intake_for(self, officer_id: str) -> bool:
        held = self.memo.get((_HELD_FOR, officer_id))
        return held is None or bool(held)  # unknown counts as holding: better loaded than not

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


def _certification(r: InstructorCertificationRow) -> Certification:
    return Certification(r.instructor_id, r.competency, r.valid_from, r.valid_until)


def _competency_key(r: CompetencyResultRow) -> tuple[str, str, str, dt.date]:
    return (r.catalogue_version, r.competency, r.evaluator_id, r.evaluated_on)
