"""Officer intake: registration and changes of assignment."""

from __future__ import annotations

from convenio_chassis.consumer import UnitOfWork
from convenio_contracts.enrolment import (
    ChangeOfficerAssignment,
    OfficerAssignmentChanged,
    OfficerRegistered,
    RegisterOfficer,
)

from ..adapters.repository import EnrolmentRepository
from ..adapters.tables import AssignmentChangeRow
from ..domain.officers import AssignmentChange, OfficerData, OfficerStatus, register
from ..domain.officers import change_assignment as apply_change
from .intake import command


@command(RegisterOfficer)
def register_officer(uow: UnitOfWork, cmd: RegisterOfficer) -> None:
    repo = EnrolmentRepository(uow.session)
    data = OfficerData(**cmd.model_dump(include=set(OfficerData.__dataclass_fields__)))
    officer = register(repo.officer_by_cuip(cmd.cuip), data, repo.cuip_of_curp(cmd.curp))
    if officer is None:
        return
    repo.add_officer(officer)
    uow.emit(
        OfficerRegistered(
            officer_id=officer.officer_id,
            **cmd.model_dump(include=set(OfficerRegistered.model_fields) - {"officer_id"}),
        )
    )


@command(ChangeOfficerAssignment)
def change_assignment(uow: UnitOfWork, cmd: ChangeOfficerAssignment) -> None:
    repo = EnrolmentRepository(uow.session)
    row = repo.officer_row(cmd.cuip)
    change = AssignmentChange(
        status=OfficerStatus(cmd.status) if cmd.status else None,
        rank=cmd.rank,
        corporation=cmd.corporation,
        level=cmd.level,
        municipality=cmd.municipality,
    )
    assignment = apply_change(repo.officer_by_cuip(cmd.cuip), change)
    if row is None or assignment is None:
        return
    repo.save_assignment(row, assignment)
    facts = {
        "status": assignment.status.value,
        "rank": assignment.rank,
        "corporation": assignment.corporation,
        "level": assignment.level,
        "municipality": assignment.municipality,
        "reason": cmd.reason,
        "effective_on": cmd.effective_on,
    }
    uow.session.add(
        AssignmentChangeRow(officer_id=row.officer_id, command_id=uow.event.id, **facts)
    )
    uow.emit(OfficerAssignmentChanged.model_validate({"officer_id": row.officer_id, **facts}))
