"""design.md's "Security and privacy" matrix, written out by hand, independently of the ACL
derivation: the tests compare what the catalogue grants (``convenio_contracts.acl``) and what
the real broker enforces against this table.

Patterns are shell-style (``fnmatch``). Rows the design table does not spell out, but the
catalogue needs, are marked CATALOGUE and say why.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

from convenio_contracts.topics import Principal

P = Principal

ENROLMENT_FACTS = ("enrolment.officer.v1", "enrolment.course.v1", "enrolment.training.v1")
EVALUATION_FACTS = (
    "evaluation.instructor.v1",
    "evaluation.assessment.v1",
    "evaluation.feedback.v1",
)
FACT_TOPICS = (
    *ENROLMENT_FACTS,
    *EVALUATION_FACTS,
    "reporting.indicators.v1",
    "reporting.findings.v1",
)
FEED = ("reporting.indicators.v1", "reporting.findings.v1")

MAY_WRITE: dict[Principal, tuple[str, ...]] = {
    # Findings are ONC's and responses UMS's, each on a channel of its own (design.md):
    # the agencies' shared credential writes neither.
    P.AGENCY_PUBLISHER: ("enrolment.intake.v1",),
    P.EVALUATOR: ("evaluation.intake.v1",),
    # `enrolment.*` covers its dead-letter topics too: they are named `<group>.<topic>.dlq`.
    P.SVC_ENROLMENT: ("enrolment.*", "intake.rejections.v1"),
    P.SVC_EVALUATION: ("evaluation.*", "intake.rejections.v1"),
    P.SVC_REPORTING: (
        "reporting.*",
        "intake.rejections.v1",  # CATALOGUE: refusals of analysts' finding commands
    ),
    P.ONC_FEED: (),
    P.ONC_ANALYST: ("reporting.intake.v1",),  # CATALOGUE: ONC's findings channel
    P.UMS_RESPONDER: ("reporting.responses.intake.v1",),  # CATALOGUE: UMS's responses channel
    P.KEDA_LAG: (),
}

MAY_READ: dict[Principal, tuple[str, ...]] = {
    P.AGENCY_PUBLISHER: ("intake.rejections.v1",),
    P.EVALUATOR: ("intake.rejections.v1",),
    P.SVC_ENROLMENT: (
        "enrolment.intake.v1",
        "enrolment.*.dlq",  # CATALOGUE: a service may re-drive its own dead letters
    ),
    P.SVC_EVALUATION: ("evaluation.intake.v1", *ENROLMENT_FACTS, "evaluation.*.dlq"),
    P.SVC_REPORTING: (
        *ENROLMENT_FACTS,
        *EVALUATION_FACTS,
        "reporting.intake.v1",  # CATALOGUE: analysts' findings
        "reporting.responses.intake.v1",  # CATALOGUE: UMS's responses
        "reporting.*.dlq",
    ),
    P.ONC_FEED: FEED,
    P.ONC_ANALYST: (*FEED, "intake.rejections.v1"),  # CATALOGUE: refusals of its findings
    P.UMS_RESPONDER: ("reporting.findings.v1", "intake.rejections.v1"),
    P.KEDA_LAG: (),  # Describe on groups and topics only: lag, never a record
}


MAY_DESCRIBE_ONLY: dict[Principal, tuple[str, ...]] = {
    # KEDA reads lag: committed offsets of the services' groups and end offsets of the topics
    # they consume. Describe alone, never Read.
    P.KEDA_LAG: (
        "enrolment.intake.v1",
        "evaluation.intake.v1",
        "reporting.intake.v1",
        "reporting.responses.intake.v1",
        *ENROLMENT_FACTS,
        *EVALUATION_FACTS,
    ),
}


def design_allows_describe(principal: Principal, topic: str) -> bool:
    """Describe comes with every read and write, and alone for the lag reader."""
    only = MAY_DESCRIBE_ONLY.get(principal, ())
    return (
        design_allows_read(principal, topic)
        or design_allows_write(principal, topic)
        or any(fnmatchcase(topic, pattern) for pattern in only)
    )


def design_allows_write(principal: Principal, topic: str) -> bool:
    return any(fnmatchcase(topic, pattern) for pattern in MAY_WRITE[principal])


def design_allows_read(principal: Principal, topic: str) -> bool:
    return any(fnmatchcase(topic, pattern) for pattern in MAY_READ[principal])
