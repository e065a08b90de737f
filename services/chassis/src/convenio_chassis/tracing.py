"""OpenTelemetry wiring. W3C trace context travels in record headers and in outbox rows, so one
agency event is one trace across all three services (ADR 0014).

Exporters come from the standard ``OTEL_*`` variables: OTLP over HTTP when an endpoint is set,
nothing otherwise. A tracer provider is always installed (unless ``OTEL_SDK_DISABLED``), so
trace ids exist, reach the logs and propagate even when nothing is exported; with nothing to
export it records no span (a span it would drop cost about 60 µs a record), but still gives
each hop its span id and carries the trace on.

Spans never carry payloads, record keys (an intake key is a CUIP) or exception messages (they
can quote data): only types, ids and the exception's class.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import (
    NonRecordingSpan,
    Span,
    SpanContext,
    SpanKind,
    Status,
    StatusCode,
    TraceFlags,
)
from opentelemetry.util.types import AttributeValue

log = logging.getLogger(__name__)

# A proxy until setup_tracing installs the provider, so importing this module sets nothing up.
_tracer = trace.get_tracer("convenio")
TRACE_KEYS = ("traceparent", "tracestate")
_HEX = frozenset("0123456789abcdef")


def setup_tracing(service_name: str) -> TracerProvider | None:
    if _env_true("OTEL_SDK_DISABLED"):
        return None
    provider = tracer_provider(service_name)
    trace.set_tracer_provider(provider)
    return provider


def tracer_provider(service_name: str) -> TracerProvider:
    """The provider the ``OTEL_*`` variables ask for, not yet installed."""
    exporting = otlp_configured()
    # Unrecorded spans still get ids and propagate: the trace goes on, at a fraction of the cost.
    sampler = None if exporting else ALWAYS_OFF  # None: OTEL_TRACES_SAMPLER, or parent-based
    provider = TracerProvider(resource=resource(service_name), sampler=sampler)
    if exporting:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        _warn_about_grpc()
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


def resource(service_name: str) -> Resource:
    """The service's name, unless ``OTEL_SERVICE_NAME`` gives another; ``OTEL_RESOURCE_ATTRIBUTES``
    adds the rest."""
    attributes = {"service.namespace": "convenio"}
    if not os.environ.get("OTEL_SERVICE_NAME"):
        attributes[SERVICE_NAME] = service_name
    return Resource.create(attributes)


def _env_true(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() == "true"


def otlp_configured() -> bool:
    return os.environ.get("OTEL_TRACES_EXPORTER", "otlp") != "none" and bool(
        os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or os.environ.get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
    )


def _warn_about_grpc() -> None:
    protocol = os.environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or os.environ.get(
        "OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"
    )
    if protocol != "http/protobuf":
        log.warning("OTLP protocol %r is not shipped; exporting http/protobuf instead", protocol)


def current_trace_headers() -> dict[str, str]:
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def _parent(trace_headers: Mapping[str, str]) -> Context:
    """The context the headers carry; an empty one (a new trace) when none came in."""
    if not trace_headers:
        return Context()
    if "tracestate" not in trace_headers:
        parent = _w3c_parent(trace_headers.get("traceparent", ""))
        if parent is not None:
            return parent
    return propagate.extract(dict(trace_headers), context=Context())


def _w3c_parent(traceparent: str) -> Context | None:
    """A plain version-00 ``traceparent``, parsed without the propagators' regular expressions
    (twice a record, per hop, it was a tenth of a busy service's time); anything else is left
    to them, so both read every header alike (tests compare them)."""
    parts = traceparent.split("-")
    if len(parts) != 4 or parts[0] != "00":
        return None
    trace_hex, span_hex, flags_hex = parts[1:]
    if len(trace_hex) != 32 or len(span_hex) != 16 or len(flags_hex) != 2:
        return None
    if not _HEX.issuperset(trace_hex + span_hex + flags_hex):
        return None
    trace_id, span_id, flags = int(trace_hex, 16), int(span_hex, 16), int(flags_hex, 16)
    if not trace_id or not span_id:
        return None
    context = SpanContext(trace_id, span_id, is_remote=True, trace_flags=TraceFlags(flags))
    return trace.set_span_in_context(NonRecordingSpan(context), Context())


def mark_failed(span: Span, what: str) -> None:
    """Error status naming what failed (a reason or an exception class, never its message)."""
    span.set_status(Status(StatusCode.ERROR, what))


@contextmanager
def _span(
    name: str,
    trace_headers: Mapping[str, str],
    kind: SpanKind,
    attributes: Mapping[str, AttributeValue],
    end_on_exit: bool = True,
) -> Iterator[Span]:
    with _tracer.start_as_current_span(
        name,
        context=_parent(trace_headers),
        kind=kind,
        attributes=attributes,
        record_exception=False,  # its message may quote personal data
        set_status_on_exception=False,
        end_on_exit=end_on_exit,
    ) as span:
        try:
            yield span
        except BaseException as exc:
            mark_failed(span, type(exc).__name__)
            raise


def consume_span(
    name: str,
    trace_headers: Mapping[str, str],
    *,
    end_on_exit: bool = True,
    **attributes: AttributeValue,
) -> AbstractContextManager[Span]:
    """A consumer span continuing the producer's trace, or starting one if none came in.
    With ``end_on_exit=False`` the caller ends it (or drops it, if its work was rolled back)."""
    return _span(name, trace_headers, SpanKind.CONSUMER, attributes, end_on_exit)


def continued_span(
    name: str, trace_headers: Mapping[str, str], **attributes: AttributeValue
) -> AbstractContextManager[Span]:
    """Internal work done later on behalf of an event, kept in that event's trace."""
    return _span(name, trace_headers, SpanKind.INTERNAL, attributes)


def start_publish_span(
    name: str, trace_headers: Mapping[str, str], **attributes: AttributeValue
) -> tuple[Span, dict[str, str], Callable[[BaseException | None], None]]:
    """The relay's publish span, a child of the span stored with the outbox row. Returns the
    span, the headers that continue the trace from it, and the callback that ends it once the
    broker has acknowledged (or refused) the record."""
    span = _tracer.start_span(
        name, context=_parent(trace_headers), kind=SpanKind.PRODUCER, attributes=attributes
    )
    carrier: dict[str, str] = {}
    propagate.inject(carrier, context=trace.set_span_in_context(span))

    def end(error: BaseException | None) -> None:
        if error is not None:
            mark_failed(span, type(error).__name__)
        span.end()

    return span, carrier, end
