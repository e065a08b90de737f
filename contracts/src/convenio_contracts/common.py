"""Value types shared by several events: the domain's vocabulary, closed lists and checked codes."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field, StringConstraints

MunicipalityCode = Annotated[int, Field(ge=15001, le=15125, description="INEGI code, Edomex")]
"""One of the 125 municipalities of the State of Mexico (INEGI 15001-15125)."""

Cuip = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{10,30}$")]
"""Clave Unica de Identificacion Permanente: reserved by law; only ever on intake topics."""

Curp = Annotated[
    str,
    StringConstraints(
        pattern=r"^[A-Z][AEIOUX][A-Z]{2}\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])[HMX]"
        r"(AS|BC|BS|CC|CL|CM|CS|CH|DF|DG|GT|GR|HG|JC|MC|MN|MS|NT|NL|OC|PL|QT|QR|SP|SL|SR|TC"
        r"|TS|TL|VZ|YN|ZS|NE)[B-DF-HJ-NP-TV-Z]{3}[A-Z\d]\d$"
    ),
]
"""Clave Unica de Registro de Poblacion, in RENAPO's published format."""

OfficerId = Annotated[str, StringConstraints(pattern=r"^off_[0-9a-f]{32}$")]
"""Random pseudonym assigned by the enrolment service; never derived from the CUIP."""

ShortText = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")]


class Sex(StrEnum):
    HOMBRE = "hombre"
    MUJER = "mujer"


class Level(StrEnum):
    ESTATAL = "estatal"
    MUNICIPAL = "municipal"


class Profile(StrEnum):
    PROXIMIDAD = "proximidad"
    REACCION = "reaccion"
    CUSTODIO = "custodio"
    INVESTIGACION = "investigacion"


class TrainingType(StrEnum):
    FORMACION_INICIAL = "formacion_inicial"
    FORMACION_INICIAL_EQUIVALENTE = "formacion_inicial_equivalente"
    ACTUALIZACION = "actualizacion"
    ESPECIALIZACION = "especializacion"
    ALTA_DIRECCION = "alta_direccion"
    PROMOCION = "promocion"


class Campus(StrEnum):
    TOLUCA = "toluca"
    TLALNEPANTLA = "tlalnepantla"
    NEZAHUALCOYOTL = "nezahualcoyotl"
