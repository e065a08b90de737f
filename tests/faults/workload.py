"""A stream of valid intake commands with a known outcome, as agencies would send them."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from .. import agency

MUNICIPALITIES = (15106, 15058, 15033, 15104, 15057, 15121, 15031, 15070, 15013, 15024)
COURSE = "FAULT-COURSE"


@dataclass(frozen=True)
class Workload:
    """``officers`` registrations and as many enrolments: 2 x officers valid events."""

    officers: int = 2500
    offerings: int = 5
    first_id: int = 100_000

    @property
    def offering_ids(self) -> list[str]:
        return [f"FAULT-OF-{i}" for i in range(self.offerings)]

    def setup(self) -> list[agency.Command]:
        capacity = -(-self.officers // self.offerings)
        return [agency.publish_course(COURSE)] + [
            agency.schedule_offering(o, COURSE, capacity=capacity) for o in self.offering_ids
        ]

    @cached_property
    def stream(self) -> list[agency.Command]:
        """Registration then enrolment per officer (same key, so in order), officers interleaved."""
        commands = []
        for n in range(self.officers):
            i = self.first_id + n
            municipality = MUNICIPALITIES[n % len(MUNICIPALITIES)]
            commands.append(
                agency.register_officer(i, municipality, "mujer" if n % 2 else "hombre")
            )
            commands.append(agency.request_enrolment(i, self.offering_ids[n % self.offerings]))
        return commands

    @property
    def valid_events(self) -> int:
        return len(self.stream)
