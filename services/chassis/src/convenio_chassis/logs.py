"""Structured JSON log lines carrying the current trace and span ids, and the event being
handled (its type and ``ce_id``).

Logs never carry payloads, record keys or subjects (an intake key is a CUIP), nor the message of
an exception raised while handling an event (it can quote the data): those details travel with
the record to its dead-letter topic, which is access-controlled like the record itself.
Database errors are no exception: PostgreSQL's ``DETAIL`` quotes the key values of the row. So
an exception is logged, and shown in health, by its class and where it was raised only
(``exception_summary``, ``code_locations``), and even ``log.exception`` anywhere in the process
writes a traceback without the messages.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from logging import Handler
from pathlib import Path
from types import TracebackType
from typing import IO

from opentelemetry import trace
from pythonjsonlogger.json import JsonFormatter

_ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]

_handling: ContextVar[tuple[str | None, str | None]] = ContextVar(
    "convenio_handling", default=(None, None)
)


@contextmanager
def handling(event_type: str | None, ce_id: str | None) -> Iterator[None]:
    """Log lines written inside name the event being handled."""
    token = _handling.set((event_type, ce_id))
    try:
        yield
    finally:
        _handling.reset(token)


def code_locations(exc: BaseException) -> str:
    """Where an exception was raised, without its message: file, line, function, code."""
    return "".join(traceback.format_tb(exc.__traceback__))


def exception_summary(exc: BaseException) -> str:
    """An exception's class and the place it was raised, never its message: ``Class at
    file:line in function``, with the classes of the exceptions it was raised from."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" at {Path(frames[-1].filename).name}:{frames[-1].lineno} in {frames[-1].name}"
    causes: list[str] = []
    inner = exc.__cause__ or exc.__context__
    while inner is not None and len(causes) < 5:
        causes.append(type(inner).__name__)
        inner = inner.__cause__ or inner.__context__
    chain = f" (from {' <- '.join(causes)})" if causes else ""
    return f"{type(exc).__name__}{where if frames else ''}{chain}"


def _exception_without_messages(exc_info: _ExcInfo) -> str:
    _, exc, _ = exc_info
    if exc is None:
        return ""
    return f"{exception_summary(exc)}\n{code_locations(exc)}".rstrip()


class _NoMessagesJsonFormatter(JsonFormatter):
    def formatException(self, ei: _ExcInfo) -> str:  # noqa: N802 (logging's name)
        return _exception_without_messages(ei)


class _NoMessagesFormatter(logging.Formatter):
    def formatException(self, ei: _ExcInfo) -> str:  # noqa: N802 (logging's name)
        return _exception_without_messages(ei)


class EventContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        context = trace.get_current_span().get_span_context()
        record.trace_id = f"{context.trace_id:032x}" if context.is_valid else None
        record.span_id = f"{context.span_id:016x}" if context.is_valid else None
        record.event_type, record.ce_id = _handling.get()
        return True


_JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s %(trace_id)s %(span_id)s"


def setup_logging(service_name: str, level: str = "INFO", fmt: str = "json") -> None:
    root = logging.getLogger()
    root.handlers[:] = [log_handler(service_name, fmt)]
    root.setLevel(level)
    # aiokafka logs every retry of a lost connection at ERROR/WARNING; keep it, but not chatter.
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))
    # The OTLP exporter's HTTP client would log every export at DEBUG.
    logging.getLogger("urllib3").setLevel(max(logging.INFO, root.level))
    # FastStream writes coloured text to stderr from a logger of its own: make it a JSON line.
    faststream = logging.getLogger("faststream")
    faststream.handlers.clear()
    faststream.propagate = True


def log_handler(service_name: str, fmt: str = "json", stream: IO[str] | None = None) -> Handler:
    handler = logging.StreamHandler(stream)
    handler.addFilter(EventContextFilter())
    if fmt == "json":
        handler.setFormatter(
            _NoMessagesJsonFormatter(
                f"{_JSON_FIELDS} %(event_type)s %(ce_id)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                static_fields={"service": service_name},
            )
        )
    else:
        handler.setFormatter(
            _NoMessagesFormatter(
                f"%(asctime)s {service_name} %(levelname)s %(name)s %(message)s"
                " trace=%(trace_id)s event=%(event_type)s ce_id=%(ce_id)s"
            )
        )
    return handler
