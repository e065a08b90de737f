"""Deployment tooling: Kubernetes manifests generated from the topic catalogue, and the offline
validators that ``make test`` runs over the Kustomize overlays, the Dockerfile and
``docker-compose.yml``.

``python -m convenio_deploy generate`` rewrites the generated manifests (``make k8s``);
``check`` fails when the committed ones differ; ``validate`` builds and checks every overlay.
"""

from .services import CLUSTER, SERVICES, ServiceSpec

__all__ = ["CLUSTER", "SERVICES", "ServiceSpec"]
