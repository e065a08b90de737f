"""The composition root: settings with their documented defaults, a handler for every intake
command, and the clock override that only tests use."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from convenio_contracts.topics import EVALUATION_INTAKE
from evaluation.app import clock, definition
from evaluation.domain.policy import Policy
from evaluation.settings import EvaluationSettings


def test_every_evaluation_intake_command_has_a_handler() -> None:
    handlers = definition(EvaluationSettings()).handlers
    assert set(EVALUATION_INTAKE.event_types) <= set(handlers)


def test_the_domain_parameters_default_as_documented() -> None:
    assert EvaluationSettings().policy() == Policy(
        pass_mark=70,
        c3_validity_years=3,
        cb_validity_years=3,
        ed_validity_years=3,
        alert_days=(180, 90, 30),
        unknown_officer_hold_days=7,
    )


def test_the_domain_parameters_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("COMPETENCY_PASS_MARK", "80")
    monkeypatch.setenv("ED_VALIDITY_YEARS", "2")
    monkeypatch.setenv("EXPIRY_ALERT_DAYS", "[120, 60]")
    policy = EvaluationSettings().policy()
    assert (policy.pass_mark, policy.ed_validity_years, policy.alert_days) == (80, 2, (120, 60))


def test_without_a_clock_file_today_is_the_system_date_in_mexico_city() -> None:
    assert EvaluationSettings().evaluation_clock_file is None
    today = clock(EvaluationSettings())()
    assert abs((today - dt.date.today()).days) <= 1


def test_a_clock_file_moves_today_and_survives_a_bad_write(tmp_path: Path) -> None:
    path = tmp_path / "today"
    path.write_text("2028-08-20\n")
    today = clock(EvaluationSettings(evaluation_clock_file=path))
    assert today() == dt.date(2028, 8, 20)
    path.write_text("2029-02-17")
    assert today() == dt.date(2029, 2, 17)
    path.write_text("not a date")
    assert today() == dt.date(2029, 2, 17)


def test_a_missing_clock_file_is_a_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        clock(EvaluationSettings(evaluation_clock_file=tmp_path / "absent"))
