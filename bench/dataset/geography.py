"""The 125 municipalities of the State of Mexico, and how officers spread over them."""

from __future__ import annotations

import random

MUNICIPALITIES = tuple(range(15001, 15126))
"""INEGI codes 15001-15125."""

LARGEST_FORCES = (
    15033,  # Ecatepec de Morelos
    15058,  # Nezahualcóyotl
    15106,  # Toluca
    15057,  # Naucalpan de Juárez
    15104,  # Tlalnepantla de Baz
    15031,  # Chimalhuacán
    15121,  # Cuautitlán Izcalli
    15081,  # Tecámac
    15039,  # Ixtapaluca
    15013,  # Atizapán de Zaragoza
    15060,  # Nicolás Romero
    15122,  # Valle de Chalco Solidaridad
    15025,  # Chalco
    15070,  # La Paz
    15099,  # Texcoco
    15054,  # Metepec
    15109,  # Tultitlán
    15020,  # Coacalco de Berriozábal
    15037,  # Huixquilucan
    15118,  # Zinacantepec
)
"""The most populous municipalities, largest first: they have the largest police forces."""

CAMPUSES = ("toluca", "tlalnepantla", "nezahualcoyotl")
"""UMS's campuses; an officer trains at the one nearest to their municipality."""

_VALLE_DE_MEXICO_EAST = frozenset({15031, 15033, 15039, 15058, 15070, 15099, 15122, 15025})
_VALLE_DE_MEXICO_NORTH = frozenset({15013, 15020, 15057, 15060, 15104, 15109, 15121, 15081})


def municipality_weights(rng: random.Random) -> list[tuple[int, float]]:
    """A Zipf-like share of officers per municipality: the largest forces first, in a fixed
    order, the rest in a seeded order."""
    rest = [m for m in MUNICIPALITIES if m not in LARGEST_FORCES]
    rng.shuffle(rest)
    ranked = [*LARGEST_FORCES, *rest]
    return [(code, 1 / (rank**0.9)) for rank, code in enumerate(ranked, start=1)]


def campus_of(municipality: int) -> str:
    if municipality in _VALLE_DE_MEXICO_EAST:
        return "nezahualcoyotl"
    if municipality in _VALLE_DE_MEXICO_NORTH:
        return "tlalnepantla"
    return "toluca"
