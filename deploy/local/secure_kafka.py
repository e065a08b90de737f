"""The authenticated local broker: SASL/SCRAM-SHA-512 and Kafka's ``StandardAuthorizer``, one
SCRAM user per principal of the topic catalogue, every topic created and the catalogue's ACLs
applied by the administrator.

Why a separate module: ``kafka_local.py`` needs only the standard library (it must run before
the project is installed), while this one uses the project's own catalogue and admin code.

Library use (the security tests)::

    with SecureKafka(workdir) as kafka:                      # users, topics and ACLs in place
        env = kafka.service_env(Principal.SVC_ENROLMENT)     # KAFKA_* for that service
        kafka.settings(Principal.ONC_FEED)                   # KafkaSettings for a client

Command line::

    eval "$(uv run python deploy/local/secure_kafka.py up)"   # admin's KAFKA_* variables
    uv run python deploy/local/kafka_local.py down --dir var/kafka-secure

Passwords are random, made once per working directory and kept in ``<dir>/secrets/<user>``
(mode 0600): a service reads its own through ``KAFKA_SASL_PASSWORD_FILE``, as it would from a
mounted Kubernetes secret. The plain broker (``kafka_local.py up``) stays for quick runs.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import time
from pathlib import Path

from convenio_chassis.acl_admin import AclChanges, sync_acls
from convenio_chassis.settings import KafkaSettings, SecurityProtocol
from convenio_chassis.topics_admin import ensure_topics
from convenio_contracts.topics import Principal
from kafka_local import (
    ADMIN_USER,
    SCRAM_MECHANISM,
    BrokerTls,
    KafkaLocalError,
    LocalKafka,
    is_our_broker,
)

USERS: tuple[str, ...] = (ADMIN_USER, *(p.value for p in Principal))


def credentials(secrets_dir: Path, users: tuple[str, ...] = USERS) -> dict[str, str]:
    """Each user's password, made on first use and read back on every later start: SCRAM
    users exist only from format time, so a restarted broker must see the same ones."""
    secrets_dir.mkdir(parents=True, exist_ok=True)
    secrets_dir.chmod(0o700)
    passwords: dict[str, str] = {}
    for user in users:
        path = secrets_dir / user
        if not path.is_file():
            # token_hex: no ',' or quotes, which StorageTool's --add-scram cannot carry.
            path.touch(mode=0o600)
            path.write_text(secrets.token_hex(24) + "\n")
        passwords[user] = path.read_text().strip()
    return passwords


class SecureKafka(LocalKafka):
    """A :class:`LocalKafka` with SCRAM users for the catalogue and its ACLs applied."""

    def __init__(self, workdir: Path, tls: BrokerTls | None = None) -> None:
        workdir = Path(workdir).resolve()
        self.secrets_dir = workdir / "secrets"
        super().__init__(workdir, sasl_users=credentials(self.secrets_dir), tls=tls)
        self.acl_changes: AclChanges | None = None

    def start(self, timeout: float = 90) -> str:
        bootstrap = super().start(timeout)
        self.provision()
        return bootstrap

    def provision(self) -> None:
        """Topics first (ACLs name them), then the ACLs; both idempotent, so a restart or a
        changed catalogue converges."""
        admin = self.settings(ADMIN_USER)
        asyncio.run(ensure_topics(admin))
        self.acl_changes = sync_acls(admin)

    def password_file(self, user: str) -> Path:
        return self.secrets_dir / user

    def password(self, user: str) -> str:
        assert self.sasl_users is not None
        return self.sasl_users[user]

    def settings(
        self, user: str, protocol: SecurityProtocol = "SASL_PLAINTEXT", **tls: Path
    ) -> KafkaSettings:
        """Client settings for ``user`` (``SASL_SSL`` also needs ``ssl_cafile=...``)."""
        bootstrap = self.bootstrap if protocol == "SASL_PLAINTEXT" else self.tls_bootstrap(protocol)
        return KafkaSettings(
            bootstrap_servers=bootstrap,
            security_protocol=protocol,
            sasl_mechanism=SCRAM_MECHANISM,
            sasl_username=user,
            sasl_password_file=self.password_file(user),
            **tls,
        )

    def env(self, user: str) -> dict[str, str]:
        """The ``KAFKA_*`` environment of a process that connects as ``user``."""
        return {
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
            "KAFKA_SASL_MECHANISM": SCRAM_MECHANISM,
            "KAFKA_SASL_USERNAME": user,
            "KAFKA_SASL_PASSWORD_FILE": str(self.password_file(user)),
        }

    def service_env(self, principal: Principal) -> dict[str, str]:
        """What a service process runs with: its own principal, its own password file."""
        return self.env(principal.value)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("command", choices=["up"])
    parser.add_argument("--dir", default="var/kafka-secure", help="working dir")
    parser.add_argument("--timeout", type=float, default=90.0, help="readiness timeout, seconds")
    args = parser.parse_args(argv)
    kafka = SecureKafka(Path(args.dir))
    recorded = kafka.workdir / "broker.pid"
    if recorded.is_file() and is_our_broker(int(recorded.read_text()), kafka.workdir):
        _say(f"already running (pid {recorded.read_text().strip()}); admin settings follow")
        bootstrap = (kafka.workdir / "bootstrap.txt").read_text().strip()
        kafka.port = int(bootstrap.rpartition(":")[2])
        _print_env(kafka.env(ADMIN_USER))
        return 0
    began = time.monotonic()
    try:
        bootstrap = kafka.start(timeout=args.timeout)
    except KafkaLocalError as exc:
        _say(f"error: {exc}")
        return 1
    # The pid and address files let `kafka_local.py down/status --dir` manage this broker.
    (kafka.workdir / "bootstrap.txt").write_text(bootstrap + "\n")
    (kafka.workdir / "broker.pid").write_text(f"{kafka.pid}\n")
    kafka.detach()
    changes = kafka.acl_changes
    created = len(changes.created) if changes else 0
    _say(
        f"secure kafka ready in {time.monotonic() - began:.1f} s, pid {kafka.pid}; "
        f"{created} ACL(s) created; users {', '.join(USERS)}; passwords in {kafka.secrets_dir}"
    )
    _print_env(kafka.env(ADMIN_USER))
    return 0


def _print_env(env: dict[str, str]) -> None:
    """stdout carries only ``export KEY=value`` lines, for a shell to ``eval``."""
    for key, value in env.items():
        print(f"export {key}={value}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
