"""The attacker suite (docs/disclosure.md, ADR 0070): an outside analyst's attacks on the feed
of the demo story (``make run``'s, through enrolment, evaluation and reporting without a
broker) and of two histories built for the attacks the story does not happen to expose. Each
attack reports what it recovered; any recovery the threat model forbids fails its test.

On the feed before cell-key perturbation (complementary suppression) these tests failed; the
numbers are in ADR 0070. The reference check then recomputes the feed's tables from the
projection's microdata with ONS's ``cell-key-perturbation`` package and compares them cell by
cell.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from convenio_contracts.enrolment import OfficerAssignmentChanged

from . import attacks, crafted, offline
from .offline import Published, Record, benchmark_facts, demo_facts, reporting_feed

pytestmark = pytest.mark.slow

K = 5
Demo = tuple[Path, Published, list[Record]]
ATTACKS = (
    "residual",
    "zero residual",
    "nested residual",
    "lp audit",
    "revisions",
    "two indicators",
    "counts below k",
)
TRANSFERRED_ON = dt.date(2026, 11, 1)


def _attacked(published: Published) -> attacks.Attacks:
    history = list(zip(published.batches, published.keys, published.records, strict=True))
    return attacks.run(history, attacks.truth_of(published.truth), published.courses, K)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Published, list[Record]]:
    """The story's facts, and the feed reporting published from them in batches of 50 (as
    the story unfolds, with every revision); reporting's database is in the directory."""
    workdir = tmp_path_factory.mktemp("demo-feed")
    facts = demo_facts(workdir)
    return workdir, reporting_feed(workdir, facts, batch=50), facts


@pytest.fixture(scope="module")
def demo_attacks(demo: Demo) -> attacks.Attacks:
    found = _attacked(demo[1])
    print(f"\ndemo story: {found.summary()}, LP audited {found.lp_audited} cells")
    return found


@pytest.fixture(scope="module")
def crafted_attacks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, attacks.Attacks]:
    out = {}
    for name, facts in (
        ("nested", crafted.nested_courses()),
        ("two indicators", crafted.two_indicators()),
    ):
        found = _attacked(reporting_feed(tmp_path_factory.mktemp(name), facts))
        print(f"\n{name}: {found.summary()}")
        out[name] = found
    return out


@pytest.mark.parametrize("attack", ATTACKS)
def test_no_attack_recovers_a_protected_figure_of_the_demo_story(
    demo_attacks: attacks.Attacks, attack: str
) -> None:
    assert demo_attacks.recovered[attack] == {}


@pytest.fixture(scope="module")
def benchmark_attacks(tmp_path_factory: pytest.TempPathFactory) -> attacks.Attacks:
    """The benchmark data set at size 0.1 (about 45,000 facts, 17,500 figures), fed 5,000
    facts at a time; the LP audits every 20th protected count (the whole audit takes many
    minutes at this size)."""
    published = reporting_feed(
        tmp_path_factory.mktemp("benchmark"), benchmark_facts(0.1), batch=5000
    )
    history = list(zip(published.batches, published.keys, published.records, strict=True))
    truth = attacks.truth_of(published.truth)
    found = attacks.run(history, truth, published.courses, K, lp_every=20)
    print(f"\nsize 0.1: {found.summary()}, LP audited {found.lp_audited} cells")
    return found


@pytest.mark.parametrize("attack", ATTACKS)
def test_no_attack_recovers_a_protected_figure_of_the_benchmark_data_set(
    benchmark_attacks: attacks.Attacks, attack: str
) -> None:
    assert benchmark_attacks.lp_audited > 100
    assert benchmark_attacks.recovered[attack] == {}


@pytest.mark.parametrize(
    ("history", "attack"),
    [("nested", "nested residual"), ("nested", "lp audit"), ("two indicators", "two indicators")],
)
def test_no_attack_recovers_a_protected_figure_of_the_built_histories(
    crafted_attacks: dict[str, attacks.Attacks], history: str, attack: str
) -> None:
    assert crafted_attacks[history].recovered[attack] == {}


def test_the_attacks_audit_real_sums_and_cells(demo_attacks: attacks.Attacks) -> None:
    """Not vacuous: the sums the attacker uses hold in the truth, and the LP audits hundreds
    of protected cells."""
    assert demo_attacks.method.perturbed
    assert demo_attacks.relations_used > 1000
    assert demo_attacks.lp_audited > 100


def test_the_attacks_break_primary_suppression_alone(demo: Demo) -> None:
    """The same attacks on the true figures with only the cells under k withheld recover
    them: they can fail."""
    published = demo[1]
    records: list[dict[str, Any] | None] = []
    for key, figure in published.truth.items():
        small = any(
            x is not None and 0 < x < K for x in (figure["numerator"], figure["denominator"])
        )
        records.append(
            {
                **figure,
                **attacks._cell(key),
                "methodology_version": "1.0",
                "suppressed": small,
                "value": None if small else figure["value"],
                "numerator": None if small else figure["numerator"],
                "denominator": None if small else figure["denominator"],
            }
        )
    history = [(0, key, r) for key, r in zip(published.truth, records, strict=True)]
    found = attacks.run(history, attacks.truth_of(published.truth), published.courses, K)
    assert len(found.recovered["residual"]) > 10
    assert len(found.recovered["lp audit"]) > 10


def test_ons_cell_key_perturbation_computes_the_same_tables(
    demo: Demo,
) -> None:
    """The reference check: enrolments and completions by month x municipality x sex (and by
    month x sex, state), recomputed from the projection's microdata by ONS's package with the
    feed's ptable and record keys, equal the feed cell for cell; and every period."""
    from cell_key_perturbation.create_perturbed_table import create_perturbed_table

    from reporting.domain.perturbation import ptable_rows, salt

    workdir, published, _ = demo
    latest = published.latest()
    ptable = pd.DataFrame(list(ptable_rows()), columns=["pcv", "ckey", "pvalue"])
    engine = create_engine(f"sqlite:///{workdir / 'reporting'}.db")
    tables = {
        (
            "training.enrolments",
            "enrolments",
        ): "SELECT e.month, e.quarter, e.year, o.municipality AS "
        "municipality, o.sex AS sex, o.record_key AS record_key FROM enrolment_fact e JOIN "
        "officer_dim o ON o.officer_id = e.officer_id WHERE NOT e.voided",
        ("training.completions", "completed"): "SELECT f.month, f.quarter, f.year, "
        "o.municipality AS "
        "municipality, o.sex AS sex, o.record_key AS record_key FROM outcome_fact f JOIN "
        "officer_dim o ON o.officer_id = f.officer_id WHERE NOT f.voided AND "
        "f.outcome = 'completed'",
    }
    compared = 0
    with engine.connect() as connection:
        for (indicator, measure), query in tables.items():
            data = pd.read_sql(text(query), connection)
            data["rkey"] = (data["record_key"] + salt(measure)) % 256
            data["state"] = "15"
            for geog, period, sex in itertools.product(
                ("municipality", "state"), ("month", "quarter", "year"), (True, False)
            ):
                tab_vars = [period, "sex"] if sex else [period]
                table = create_perturbed_table(data, ptable, [geog], tab_vars, "rkey", threshold=0)
                for row in table.itertuples():
                    if row.pre_sdc_count == 0:
                        continue  # a cell nobody is in is not published
                    key = f"{indicator}:{getattr(row, period)}:{geog}:{getattr(row, geog)}"
                    cell = latest[key + (f":sex:{row.sex}" if sex else "")]
                    count = int(row.count)
                    expected = None if 0 < count < K else float(count)
                    assert (cell["value"], cell["suppressed"]) == (expected, expected is None)
                    compared += 1
    engine.dispose()
    assert compared > 100


def test_a_rebuild_in_one_batch_publishes_the_same_protected_feed(
    demo: Demo, tmp_path: Path
) -> None:
    """Same contributors, same noise: the feed built live (batches of 50, every revision)
    and one computed once from all the facts (as a replay does) carry the same figures."""
    facts = demo[2]
    rebuilt = reporting_feed(tmp_path, facts, batch=len(facts))

    def content(published: Published) -> dict[str, dict[str, Any]]:
        return {
            key: {k: v for k, v in r.items() if k != "revision"}
            for key, r in published.latest().items()
        }

    assert content(rebuilt) == content(demo[1])
    assert rebuilt.latest()


def test_a_transfer_republishes_no_past_cell_of_either_municipality(
    demo: Demo, tmp_path: Path
) -> None:
    """The transfer attack: after the demo story, the officer with the most enrolments moves
    from their municipality to the most populous other one from 1 November. Every cell of
    either municipality for a period that ended before then keeps its revision: nothing is
    republished from which that officer's history could be read (ADR 0095)."""
    workdir, published, _ = demo
    shutil.copy(workdir / "reporting.db", tmp_path / "reporting.db")
    engine = create_engine(f"sqlite:///{tmp_path / 'reporting'}.db")
    with engine.connect() as connection:
        officer_id, old = connection.execute(
            text(
                "SELECT o.officer_id, o.municipality FROM officer_dim o JOIN enrolment_fact e "
                "ON e.officer_id = o.officer_id GROUP BY o.officer_id, o.municipality "
                "ORDER BY count(*) DESC, o.officer_id LIMIT 1"
            )
        ).one()
        (new,) = connection.execute(
            text(
                "SELECT municipality FROM officer_dim WHERE municipality != :old "
                "GROUP BY municipality ORDER BY count(*) DESC, municipality LIMIT 1"
            ),
            {"old": old},
        ).one()
    engine.dispose()
    moved = OfficerAssignmentChanged(
        officer_id=officer_id,
        status="activo",
        rank="policía",
        corporation="Policía municipal",
        level="municipal",
        municipality=new,
        reason="transfer",
        effective_on=TRANSFERRED_ON,
    )
    reporting = offline._runtime("reporting", tmp_path)
    offline._feed(reporting, offline._records([moved]), 1)
    after = [
        ((r.key or b"").decode(), json.loads(r.value) if r.value else None)
        for r in offline._drain(reporting, {offline.FEED})
    ]
    reporting.engine.dispose()
    before = published.latest()
    past = [
        key
        for key in before
        if attacks._cell(key)["geography"] in {f"municipality:{old}", f"municipality:{new}"}
        and attacks.period_end(attacks._cell(key)["period"]) < TRANSFERRED_ON
    ]
    found = attacks.transfer(before, after, (old, new), TRANSFERRED_ON)
    print(f"\ntransfer: {len(past)} past cells watched, {len(after)} records after, {found}")
    assert len(past) > 100, "the attack has past cells of both municipalities to watch"
    assert after, "the transfer changes the periods from its date on"
    assert found == {}
