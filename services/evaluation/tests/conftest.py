from __future__ import annotations

from collections.abc import Iterator

import pytest

from evaluation.domain.policy import Policy

from .harness import D, Evaluation, Today, evaluation_on


@pytest.fixture
def today() -> Today:
    return Today(D(2026, 3, 1))


@pytest.fixture
def policy() -> Policy:
    return Policy()


@pytest.fixture
def evaluation(database_url: str, today: Today, policy: Policy) -> Iterator[Evaluation]:
    with evaluation_on(database_url, today, policy) as running:
        yield running
