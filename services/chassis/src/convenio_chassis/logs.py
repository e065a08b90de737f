"""Structured JSON log lines carrying the current trace and span ids.

Handlers log event types and ``ce_id``s, never payloads: payloads may carry personal data.
"""

from __future__ import annotations

import logging

from opentelemetry import trace
from pythonjsonlogger.json import JsonFormatter


class TraceContextFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        context = trace.get_current_span().get_span_context()
        record.trace_id = f"{context.trace_id:032x}" if context.is_valid else None
        record.span_id = f"{context.span_id:016x}" if context.is_valid else None
        return True


def setup_logging(service_name: str, level: str = "INFO", fmt: str = "json") -> None:
    handler = logging.StreamHandler()
    handler.addFilter(TraceContextFilter())
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(trace_id)s %(span_id)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                static_fields={"service": service_name},
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter(f"%(asctime)s {service_name} %(levelname)s %(name)s %(message)s")
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiokafka logs every retry of a lost connection at ERROR/WARNING; keep it, but not chatter.
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))
