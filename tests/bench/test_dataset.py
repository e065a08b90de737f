"""The synthetic data set: deterministic from its seed, at the scale asked for, and every
command in it valid against the v1 contracts."""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from functools import cache

import pytest

from bench.dataset import MEASURED_KINDS, YEAR_KINDS, Command, Dataset, DatasetSpec
from bench.dataset.facts import FACT_OF, encoded_facts
from bench.intake import encode, traced_seq
from convenio_contracts import decode
from convenio_contracts.enrolment import OfficerRegistered


@cache
def small(seed: int = 7) -> Dataset:
    return Dataset(DatasetSpec(seed=seed, size=0.02))


def fingerprint(commands: list[Command]) -> str:
    text = json.dumps([(c.kind, c.at.isoformat(), c.key, c.data) for c in commands], default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def test_the_same_seed_gives_the_same_year() -> None:
    again = Dataset(DatasetSpec(seed=7, size=0.02))
    assert fingerprint([*small().setup(), *small().year()]) == fingerprint(
        [*again.setup(), *again.year()]
    )


def test_another_seed_gives_another_year() -> None:
    assert fingerprint(list(small(7).year())) != fingerprint(list(small(8).year()))


def test_full_size_is_the_state_of_mexico() -> None:
    plan = Dataset(DatasetSpec(size=1.0)).plan
    levels = Counter(o.level for o in plan.officers[: plan.serving])
    assert plan.serving == 28_800
    assert len(plan.officers) - plan.serving == 996  # one initial-training cohort
    assert {o.municipality for o in plan.officers} == set(range(15001, 15126))
    assert 10_000 < levels["estatal"] < 12_000
    assert {o.course.training_type for o in plan.offerings} == {
        "formacion_inicial",
        "formacion_inicial_equivalente",
        "actualizacion",
        "especializacion",
        "alta_direccion",
        "promocion",
    }


@pytest.mark.parametrize("size", [0.01, 0.1])
def test_size_scales_the_officers(size: float) -> None:
    plan = Dataset(DatasetSpec(size=size)).plan
    assert plan.serving == round(28_800 * size)


def test_every_kind_of_the_year_is_present() -> None:
    assert set(small().summary()) == {*YEAR_KINDS, "course", "offering", "instructor"}


def test_every_command_is_valid_against_the_contracts() -> None:
    dataset = small()
    officers = dataset.plan.officers
    for seq, command in enumerate([*dataset.setup(), *dataset.year()]):
        officer_id = officers[command.officer].officer_id if command.names_officer else None
        record = encode(command, seq, run=1, officer_id=officer_id)
        event = decode(record.value, record.headers)
        assert event.type == command.ce_type
        assert traced_seq(record.headers, run=1) == seq


def test_commands_come_in_send_order() -> None:
    times = [c.at for c in small().year()]
    assert times == sorted(times)


def test_an_officer_registers_then_enrols_then_attends() -> None:
    first_seen: dict[str, dict[str, int]] = defaultdict(dict)
    for n, command in enumerate(small().year(MEASURED_KINDS)):
        first_seen[command.key].setdefault(command.kind, n)
    for cuip, kinds in first_seen.items():
        order = [kinds[k] for k in MEASURED_KINDS if k in kinds]
        assert order == sorted(order), cuip
        assert "registration" in kinds, cuip


def test_no_offering_takes_more_than_its_capacity() -> None:
    plan = small().plan
    seats = Counter(e.offering.offering_id for e in plan.enrolments)
    for offering in plan.offerings:
        assert seats[offering.offering_id] <= offering.course.capacity


def test_attendance_only_for_sessions_before_a_withdrawal() -> None:
    dataset = small()
    marked = Counter((c.key, c.data["offering_id"]) for c in dataset.year(("attendance",)))
    for e in dataset.plan.enrolments:
        assert marked[(e.officer.cuip, e.offering.offering_id)] == e.sessions_recorded


def test_the_sampler_hands_out_disjoint_groups_of_enough_events() -> None:
    dataset = small()
    sampler = dataset.sampler(MEASURED_KINDS)
    first, second = sampler.take(500), sampler.take(300)
    assert not set(first) & set(second)
    assert len(list(dataset.year(MEASURED_KINDS, first))) >= 500
    assert len(list(dataset.year(MEASURED_KINDS, second))) >= 300


def test_a_sampler_that_runs_out_says_so() -> None:
    with pytest.raises(ValueError, match="raise its size"):
        small().sampler(MEASURED_KINDS).take(10**9)


def test_replay_facts_are_valid_and_carry_no_identity() -> None:
    dataset = small()
    facts = list(encoded_facts(dataset.year(tuple(FACT_OF)), seed=7, limit=5000))
    cuips = {o.cuip for o in dataset.plan.officers}
    types = Counter()
    for fact in facts:
        event = decode(fact.value, fact.headers)
        types[event.type] += 1
        assert not any(cuip.encode() in fact.value for cuip in list(cuips)[:50])
    assert types[OfficerRegistered.event_type] > 0
    assert len(types) == len(FACT_OF)
