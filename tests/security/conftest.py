"""The authenticated broker for the security tests: one SCRAM user per principal, every
catalogued topic, the catalogue's ACLs. Its start-up time is reported, since it is the cost
every secured run pays (``pytest -s`` shows it)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from secure_kafka import SecureKafka


@pytest.fixture(scope="module")
def secure_kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureKafka]:
    began = time.monotonic()
    with SecureKafka(tmp_path_factory.mktemp("secure-kafka")) as kafka:
        elapsed = time.monotonic() - began
        print(f"\nsecure broker: started, topics and ACLs in place in {elapsed:.1f} s")
        yield kafka
