# syntax=docker/dockerfile:1
# One image recipe for every service: docker build --build-arg SERVICE=enrolment|evaluation|reporting .
# Targets: runtime (default, last) runs `python -m $SERVICE`; demo publishes deploy/local/demo.py.
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

FROM ghcr.io/astral-sh/uv:0.13.9 AS uv

# --- build: resolve from the committed lock, install into /app/.venv, nothing editable ---
FROM ${PYTHON_IMAGE} AS build
ARG SERVICE=enrolment
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src
# Dependencies first, in their own layer: it is rebuilt only when the lock or a manifest changes.
COPY pyproject.toml uv.lock ./
COPY contracts/pyproject.toml contracts/
COPY services/chassis/pyproject.toml services/chassis/
COPY services/enrolment/pyproject.toml services/enrolment/
COPY services/evaluation/pyproject.toml services/evaluation/
COPY services/reporting/pyproject.toml services/reporting/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --no-install-workspace --package "convenio-${SERVICE}"
COPY contracts/src contracts/src
COPY services/chassis/src services/chassis/src
COPY services/enrolment/src services/enrolment/src
COPY services/evaluation/src services/evaluation/src
COPY services/reporting/src services/reporting/src
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package "convenio-${SERVICE}"

# --- base: the slim interpreter, the virtual environment and an unprivileged user, no uv ---
FROM ${PYTHON_IMAGE} AS base
ARG SERVICE=enrolment
RUN groupadd --system --gid 10001 convenio \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /app \
       --shell /usr/sbin/nologin convenio
WORKDIR /app
COPY --from=build /app/.venv /app/.venv
# var/ holds the SQLite file when DATABASE_URL is left at its one-machine default.
RUN mkdir -p /app/var && chown 10001:10001 /app/var
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    CONVENIO_SERVICE=${SERVICE} \
    HTTP_HOST=0.0.0.0 \
    HTTP_PORT=8000 \
    LOG_FORMAT=json
USER 10001:10001

# --- demo: the agency's demo commands, published once (docker compose --profile demo) ---
FROM base AS demo
COPY deploy/local/demo.py /app/demo.py
COPY deploy/local/demo_story /app/demo_story
# Inside the compose network: where the demo asks enrolment for officers' pseudonyms.
ENV ENROLMENT_URL=http://enrolment:8000
CMD ["python", "/app/demo.py", "kafka:9092"]

# --- runtime: one service; HTTP on $HTTP_PORT, /health/live, /health/ready and /metrics ---
FROM base AS runtime
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=4s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen(f\"http://127.0.0.1:{os.environ['HTTP_PORT']}/health/ready\", timeout=3)"]
# exec: python is PID 1 and receives SIGTERM itself, so uvicorn drains before it exits.
CMD ["/bin/sh", "-c", "exec python -m \"$CONVENIO_SERVICE\""]
