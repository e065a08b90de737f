"""The officers: five municipalities, both levels and sexes, as their academies register
them. Zacazonapan has three, fewer than k = 5, so the feed withholds its cells."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from convenio_contracts.enrolment import RegisterOfficer

SEED = 2022


@dataclass(frozen=True)
class Place:
    code: int
    name: str
    municipal: int
    estatal: int
    """State police officers deployed in the municipality."""


PLACES = (
    Place(15106, "Toluca", municipal=12, estatal=6),
    Place(15033, "Ecatepec de Morelos", municipal=10, estatal=4),
    Place(15058, "Nezahualcóyotl", municipal=12, estatal=0),
    Place(15057, "Naucalpan de Juárez", municipal=10, estatal=0),
    Place(15116, "Zacazonapan", municipal=3, estatal=0),  # fewer than k: its cells are withheld
)
STATE_POLICE = "Secretaría de Seguridad del Estado de México"
GIVEN = {
    "mujer": ["María", "Guadalupe", "Ana", "Rosa", "Elena", "Verónica", "Adriana", "Leticia"],
    "hombre": ["José", "Juan", "Luis", "Carlos", "Jorge", "Miguel", "Francisco", "Alejandro"],
}
SURNAMES = ["Hernández", "García", "Martínez", "López", "González", "Pérez", "Rodríguez", "Sánchez"]
MUNICIPAL_PROFILES = ["proximidad", "proximidad", "reaccion"]
STATE_PROFILES = ["reaccion", "investigacion", "custodio"]
RANKS = ["policía", "policía", "policía", "policía tercero", "policía segundo", "suboficial"]
CONSONANTS = "BCDFGHJKLMNPQRSTVWXZ"


def _curp(rng: random.Random, sex: str, born: dt.date) -> str:
    letters = rng.choice("BCDGHLMPRS") + rng.choice("AEIOU") + "".join(rng.choices(CONSONANTS, k=2))
    return (
        f"{letters}{born:%y%m%d}{'H' if sex == 'hombre' else 'M'}MC"
        f"{''.join(rng.choices(CONSONANTS, k=3))}0{rng.randrange(10)}"
    )


def _officer(rng: random.Random, cuip: str, place: Place, level: str) -> RegisterOfficer:
    sex = "mujer" if rng.random() < 0.4 else "hombre"
    born = dt.date(1975, 1, 1) + dt.timedelta(days=rng.randrange(365 * 25))
    state = level == "estatal"
    return RegisterOfficer(
        cuip=cuip,
        curp=_curp(rng, sex, born),
        full_name=f"{rng.choice(GIVEN[sex])} {rng.choice(SURNAMES)} {rng.choice(SURNAMES)}",
        sex=sex,
        corporation=STATE_POLICE if state else f"Policía Municipal de {place.name}",
        level=level,
        municipality=place.code,
        profile=rng.choice(STATE_PROFILES if state else MUNICIPAL_PROFILES),
        rank=rng.choice(RANKS),
        hire_year=rng.randrange(2008, 2025),
    )


def roster(seed: int = SEED) -> list[RegisterOfficer]:
    """Every officer of the story, as their academy registers them."""
    rng = random.Random(f"{seed}:roster")
    levels = [
        (p, lvl)
        for p in PLACES
        for lvl, n in (("municipal", p.municipal), ("estatal", p.estatal))
        for _ in range(n)
    ]
    return [_officer(rng, f"CUIP{seed:04d}{i:08d}", p, lvl) for i, (p, lvl) in enumerate(levels)]
