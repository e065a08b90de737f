"""Who may reach each service's HTTP port (ADR 0085), by namespace: the one place to change
when a cluster names its namespaces otherwise (then ``make k8s``), or patch the generated
NetworkPolicies' ``namespaceSelector`` in an overlay.

One port serves the API, health and ``/metrics``, so a NetworkPolicy cannot tell them apart:
it decides which namespaces may connect at all, and the bearer-token guard decides what a
caller may read. Kubelet probes come from the node, which NetworkPolicies do not filter.
"""

from __future__ import annotations

INGRESS_NAMESPACE = "ingress-nginx"
"""The ingress controller: the public's way to reporting's feed and UMS staff's way in."""
UMS_NAMESPACE = "ums"
"""UMS's own systems (its evaluation tooling), calling enrolment and evaluation directly."""
MONITORING_NAMESPACE = "monitoring"
"""Prometheus, scraping ``/metrics`` on every service."""

HTTP_CALLERS: dict[str, tuple[str, ...]] = {
    "enrolment": (INGRESS_NAMESPACE, UMS_NAMESPACE, MONITORING_NAMESPACE),
    "evaluation": (INGRESS_NAMESPACE, UMS_NAMESPACE, MONITORING_NAMESPACE),
    "reporting": (INGRESS_NAMESPACE, MONITORING_NAMESPACE),
}
"""Namespaces admitted to each service's HTTP port. Reporting's readers are the public, through
the ingress; no UMS system calls it. No service calls another over HTTP."""


def namespace(name: str) -> dict[str, dict[str, dict[str, str]]]:
    """A NetworkPolicy peer: every pod of the namespace ``name`` (its immutable name label)."""
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": name}}}
