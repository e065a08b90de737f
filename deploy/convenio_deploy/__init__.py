"""Deployment tooling: Kubernetes manifests generated from the topic catalogue, the monitoring
around them (ServiceMonitors, alert rules, the Grafana dashboard, the compose stack's Prometheus
and Grafana; ADR 0060), and the offline validators that ``make test`` runs over the Kustomize
overlays, the Dockerfile and ``docker-compose.yml``.

``python -m convenio_deploy generate`` rewrites the generated files (``make k8s``);
``check`` fails when the committed ones differ; ``validate`` builds and checks every overlay.
"""

from .services import CLUSTER, SERVICES, ServiceSpec

__all__ = ["CLUSTER", "SERVICES", "ServiceSpec"]
