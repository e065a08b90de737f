"""Synthetic officers: valid CUIPs and CURPs, plausible names, ranks and postings.

Nothing here is a real person. Identity fields only ever travel on the intake topic; facts
for the replay benchmark carry the seeded pseudonym ``officer_id`` instead.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, replace

from .geography import municipality_weights

STATE_CORPORATION = "Secretaría de Seguridad del Estado de México"
GIVEN_NAMES = {
    "hombre": (
        "José", "Juan", "Luis", "Miguel", "Jorge", "Carlos", "Francisco", "Alejandro",
        "Eduardo", "Fernando", "Ricardo", "Roberto", "Arturo", "Javier", "Daniel", "Sergio",
    ),
    "mujer": (
        "María", "Guadalupe", "Ana", "Verónica", "Rosa", "Alejandra", "Patricia", "Laura",
        "Claudia", "Adriana", "Gabriela", "Leticia", "Mónica", "Silvia", "Karla", "Diana",
    ),
}  # fmt: skip
SURNAMES = (
    "Hernández", "García", "Martínez", "López", "González", "Pérez", "Rodríguez", "Sánchez",
    "Ramírez", "Cruz", "Flores", "Gómez", "Morales", "Vázquez", "Reyes", "Jiménez", "Torres",
    "Díaz", "Gutiérrez", "Ruiz", "Mendoza", "Aguilar", "Ortiz", "Moreno", "Castillo", "Romero",
    "Álvarez", "Méndez", "Chávez", "Rivera", "Juárez", "Ramos", "Domínguez", "Herrera",
)  # fmt: skip
PROFILES = (("proximidad", 0.55), ("reaccion", 0.25), ("custodio", 0.10), ("investigacion", 0.10))
RANKS = (
    ("policía", 0.55), ("policía tercero", 0.15), ("policía segundo", 0.10),
    ("policía primero", 0.07), ("suboficial", 0.05), ("oficial", 0.04),
    ("subinspector", 0.02), ("inspector", 0.02),
)  # fmt: skip
SENIOR_RANKS = frozenset({"oficial", "subinspector", "inspector"})
WOMEN_SHARE = 0.21
_CONSONANTS = "BCDFGHJKLMNPQRSTVWXYZ"
_ASCII = str.maketrans("ÁÉÍÓÚÜÑ", "AEIOUUX")


@dataclass(frozen=True, slots=True)
class Officer:
    index: int
    cuip: str
    curp: str
    full_name: str
    sex: str
    level: str
    municipality: int
    corporation: str
    profile: str
    rank: str
    hire_year: int
    officer_id: str
    """The pseudonym a replay's facts carry (the live pipeline assigns its own)."""
    attendance: float
    """How reliably this officer attends sessions (0-1)."""

    def registration(self) -> dict[str, object]:
        """The body of ``RegisterOfficer``."""
        return {
            "cuip": self.cuip,
            "curp": self.curp,
            "full_name": self.full_name,
            "sex": self.sex,
            "corporation": self.corporation,
            "level": self.level,
            "municipality": self.municipality,
            "profile": self.profile,
            "rank": self.rank,
            "hire_year": self.hire_year,
        }


def pseudonym(seed: int, index: int) -> str:
    digest = hashlib.blake2b(f"{seed}:officer:{index}".encode(), digest_size=16).hexdigest()
    return f"off_{digest}"


def _choice(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def _curp(rng: random.Random, surname: str, given: str, sex: str, born: int) -> str:
    first = surname.translate(_ASCII)[0]
    letters = f"{first}{rng.choice('AEIOUX')}{rng.choice(_CONSONANTS)}{given.translate(_ASCII)[0]}"
    birth = f"{born % 100:02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    consonants = "".join(rng.choice(_CONSONANTS) for _ in range(3))
    century = "0" if born < 2000 else "A"
    sex_letter = "H" if sex == "hombre" else "M"
    return f"{letters}{birth}{sex_letter}MC{consonants}{century}{rng.randint(0, 9)}"


def make_officer(
    rng: random.Random, seed: int, index: int, level: str, municipality: int, hire_year: int
) -> Officer:
    sex = "mujer" if rng.random() < WOMEN_SHARE else "hombre"
    given = rng.choice(GIVEN_NAMES[sex])
    surname, second = rng.choice(SURNAMES), rng.choice(SURNAMES)
    born = min(hire_year - rng.randint(19, 35), 2006)
    curp = _curp(rng, surname, given, sex, born)
    rank = _choice(rng, RANKS)
    return Officer(
        index=index,
        cuip=f"{curp[:10]}{index:08d}",
        curp=curp,
        full_name=f"{given} {surname} {second}",
        sex=sex,
        level=level,
        municipality=municipality,
        corporation=(
            STATE_CORPORATION
            if level == "estatal"
            else f"Dirección de Seguridad Pública Municipal {municipality}"
        ),
        profile=_choice(rng, PROFILES),
        rank=rank,
        hire_year=hire_year,
        officer_id=pseudonym(seed, index),
        attendance=min(1.0, max(0.5, rng.gauss(0.93, 0.07))),
    )


def roster(
    rng: random.Random, seed: int, serving: int, state_share: float, year: int
) -> list[Officer]:
    """Officers already serving when the year starts, state and municipal."""
    codes, weights = zip(*municipality_weights(rng), strict=True)
    officers = []
    for index in range(serving):
        level = "estatal" if rng.random() < state_share else "municipal"
        municipality = rng.choices(codes, weights)[0]
        hire_year = rng.randint(max(1990, year - 30), year - 1)
        officers.append(make_officer(rng, seed, index, level, municipality, hire_year))
    return officers


def cohort(rng: random.Random, seed: int, first_index: int, size: int, year: int) -> list[Officer]:
    """Aspirants hired this year, who take initial training (formación inicial)."""
    codes, weights = zip(*municipality_weights(rng), strict=True)
    cadets = []
    for n in range(size):
        level = "estatal" if rng.random() < 0.5 else "municipal"
        municipality = rng.choices(codes, weights)[0]
        officer = make_officer(rng, seed, first_index + n, level, municipality, year)
        cadets.append(_as_cadet(officer))
    return cadets


def _as_cadet(officer: Officer) -> Officer:
    return replace(officer, rank="policía", profile="proximidad")
