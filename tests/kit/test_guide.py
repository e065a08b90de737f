"""docs/integration.md: its generated sections are current, and its reason table holds every
code the code can send back (rejections from the contracts, dead letters from the envelope
and the chassis consumer)."""

from __future__ import annotations

import re
from pathlib import Path

from convenio_chassis.quarantine import QUARANTINED_REASON
from convenio_contracts import envelope, guide
from convenio_contracts.rejections import RejectionReason
from convenio_contracts.topics import topic_for

CHASSIS = Path(__file__).resolve().parents[2] / "services" / "chassis" / "src" / "convenio_chassis"


def table_codes(kind: str) -> set[str]:
    return set(re.findall(rf"^\| `([a-z_]+)` \| {kind} \|", guide.GUIDE.read_text(), re.M))


def test_the_generated_sections_are_current() -> None:
    text = guide.GUIDE.read_text()
    assert guide.render(text) == text, "run `uv run python -m convenio_contracts.guide generate`"


def test_every_rejection_reason_is_documented() -> None:
    assert table_codes("rejection") == {r.value for r in RejectionReason}


def test_every_dead_letter_reason_the_code_can_give_is_documented() -> None:
    envelope_codes = {
        cls.reason
        for cls in vars(envelope).values()
        if isinstance(cls, type) and issubclass(cls, envelope.EnvelopeError)
    }
    consumer_codes = set(
        re.findall(r'DeadLetter\(\s*"([a-z_]+)"', (CHASSIS / "consumer.py").read_text())
    )
    assert consumer_codes, "the chassis consumer no longer names its dead-letter reasons"
    # a paused source's records: the consumer names this one by its constant
    consumer_codes.add(QUARANTINED_REASON)
    assert table_codes("dead letter") == envelope_codes | consumer_codes


def test_the_recipe_sends_each_command_to_its_catalogue_topic() -> None:
    recipe = guide.kcat_recipe()
    for event_type in guide.publishable():
        block = recipe.split(f"# {event_type}\n", 1)[1].split("\n\n", 1)[0]
        assert f"-t {topic_for(event_type).name} " in block
        assert f"ce_type={event_type} " in block
