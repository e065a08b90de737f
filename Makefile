# Convenio: the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
UV ?= $(shell command -v uv 2>/dev/null || echo "$$HOME/.local/bin/uv")
# The tests find uv here too (tests/infrastructure.py), never through a PATH only CI has.
export UV
PYTEST_ARGS ?=
DEPLOY = PYTHONPATH=deploy $(UV) run python -m convenio_deploy

.PHONY: help setup run test test-all test-faults test-unit test-e2e lint typecheck schemas \
        schemas-check snapshot kafka-up kafka-down kafka-status kafka-secure-up kafka-secure-down \
        acls jars clean k8s deploy-check bench bench-ci bench-profile config-docs

help:
	@echo "make run     - broker + three services on SQLite + demo data (Ctrl-C stops)"
	@echo "make test    - lint, types, schemas, unit, integration and end-to-end tests"
	@echo "make k8s     - regenerate deploy/k8s (topics, users, workloads, monitoring), the compose"
	@echo "              Prometheus/Grafana files and the alert table in docs/operations.md"
	@echo "make config-docs - regenerate docs/configuration.md and .env.example from the settings"
	@echo "make deploy-check - only the offline deployment checks (k8s overlays, compose, image)"
	@echo "make bench   - end-to-end benchmark, bare-Kafka baseline and replay (docs/performance.md)"
	@echo "make lint | typecheck | schemas | kafka-up | kafka-down | bench-ci | clean"

$(UV):
	python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv

setup: $(UV)
	$(UV) sync --frozen --all-packages
	$(UV) run python deploy/local/kafka_local.py fetch
	$(DEPLOY) install-tools >/dev/null

run: setup
	$(UV) run python deploy/local/run.py

# `make test` runs the fault scenarios marked smoke; `make test-all` (CI) runs every one, and the
# reduced benchmark too. Both start what they need: the Kafka broker and a throw-away PostgreSQL
# (Debian's, installed if missing) come from the tests' own fixtures (tests/infrastructure.py).
# The order is random (pytest-randomly prints its seed; PYTEST_ARGS="-p randomly
# --randomly-seed=N" repeats one), and a skipped test is a failure.
test: setup lint typecheck schemas-check
	$(call pytest,-m "(not faults or smoke) and not bench" $(PYTEST_ARGS))

test-all: setup lint typecheck schemas-check
	$(call pytest,$(PYTEST_ARGS))
	$(UV) run python -m tests.faults.report

test-faults: setup
	$(call pytest,-m faults $(PYTEST_ARGS))
	$(UV) run python -m tests.faults.report

# pytest exits 5 when it collected nothing: that is a failure, not a pass.
define pytest
	$(UV) run python -m pytest $(1); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "pytest collected no tests: that is a failure"; exit 1; fi; exit $$rc
endef

test-unit: setup
	$(UV) run python -m pytest -m "not connected" $(PYTEST_ARGS)

test-e2e: setup
	$(UV) run python -m pytest -m connected $(PYTEST_ARGS)

lint: setup
	$(UV) run ruff check .
	$(UV) run ruff format --check .
	$(UV) run lint-imports

typecheck: setup
	$(UV) run mypy

schemas: setup
	$(UV) run python -m convenio_contracts.schemas generate
	$(UV) run python -m convenio_contracts.asyncapi generate
	$(UV) run python -m convenio_contracts.guide generate

schemas-check: setup
	$(UV) run python -m convenio_contracts.schemas check
	$(UV) run python -m convenio_contracts.asyncapi check
	$(UV) run python -m convenio_contracts.guide check

snapshot: setup
	$(UV) run python -m convenio_contracts.schemas snapshot

kafka-up: setup
	$(UV) run python deploy/local/kafka_local.py up --dir var/kafka

kafka-down:
	$(UV) run python deploy/local/kafka_local.py down --dir var/kafka

kafka-status:
	$(UV) run python deploy/local/kafka_local.py status --dir var/kafka

# SASL/SCRAM + ACLs: one user per principal, topics and the catalogue's ACLs (docs/security.md).
kafka-secure-up: setup
	$(UV) run python deploy/local/secure_kafka.py up --dir var/kafka-secure

kafka-secure-down:
	$(UV) run python deploy/local/kafka_local.py down --dir var/kafka-secure

# Make a cluster's ACLs equal to the catalogue's (admin KAFKA_* settings); DRY_RUN=1 to preview.
acls: setup
	$(UV) run python -m convenio_chassis.acl_admin $(if $(DRY_RUN),--dry-run,)
k8s: setup
	$(DEPLOY) generate

config-docs: setup
	PYTHONPATH=deploy $(UV) run python -m convenio_deploy.configuration write

deploy-check: setup
	$(UV) run python -m pytest tests/deploy $(PYTEST_ARGS)

# Benchmarks fail only when their counts do not reconcile, never on a speed (docs/performance.md).
# BENCH_ARGS passes options, e.g. BENCH_ARGS="--postgres $$TEST_DATABASE_URL" or
# "--replay-facts 0"; see `uv run python -m bench -h`.
BENCH_ARGS ?=

bench: setup
	$(UV) run python -m bench $(BENCH_ARGS)

# The reduced run CI does (tests/bench): it completes and its counts reconcile, in < 3 minutes.
bench-ci: setup
	$(UV) run python -m bench --ci $(BENCH_ARGS)

# Where the services spend their time: py-spy samples them in a phase of its own.
bench-profile: setup
	$(UV) run --with 'py-spy>=0.4' python -m bench --profile 30 --replay-facts 0 --no-baseline \
	  --loads 200 --load-seconds 10 $(BENCH_ARGS)

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
