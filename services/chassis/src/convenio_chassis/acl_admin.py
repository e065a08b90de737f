"""Make a cluster's ACLs equal to what the topic catalogue grants, and rotate SCRAM passwords.

``python -m convenio_chassis.acl_admin [--dry-run]`` runs with the administrator's ``KAFKA_*``
settings, like ``topics_admin``. It creates every binding ``convenio_contracts.acl`` derives and
deletes any other ACL held by one of the catalogue's principals, so a reader dropped from the
catalogue loses its access at the next run. ACLs of principals the catalogue does not know
(operators, monitoring) are left alone. In Kubernetes the Strimzi ``KafkaUser`` resources
generated from the same bindings do this job instead.

``--dry-run`` changes nothing and prints what a sync would change. Exit status, for CI: 0 when
the cluster holds exactly the catalogue's ACLs (or a sync made it so), 3 (``DRIFT``) when a
dry run found a difference, 1 when the cluster could not be read or changed, 2 for a wrong
option.

aiokafka has no ACL or SCRAM API, so this uses confluent-kafka's admin client; it is an extra
(``convenio-chassis[admin]``) because no service needs it at run time.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from confluent_kafka import admin as ck

from convenio_contracts import acl
from convenio_contracts.topics import Principal

from .cli import parser
from .settings import KafkaSettings

log = logging.getLogger(__name__)
DRIFT = 3
"""Exit status of ``--dry-run`` when the cluster's ACLs differ from the catalogue's."""
TIMEOUT_S = 30.0
POLL_S = 0.2
SCRAM_ITERATIONS = 4096

_RESOURCE = {
    acl.ResourceType.TOPIC: ck.ResourceType.TOPIC,
    acl.ResourceType.GROUP: ck.ResourceType.GROUP,
}
_PATTERN = {
    acl.PatternType.LITERAL: ck.ResourcePatternType.LITERAL,
    acl.PatternType.PREFIXED: ck.ResourcePatternType.PREFIXED,
}
_OPERATION = {
    acl.Operation.READ: ck.AclOperation.READ,
    acl.Operation.WRITE: ck.AclOperation.WRITE,
    acl.Operation.DESCRIBE: ck.AclOperation.DESCRIBE,
}
_OUR_PRINCIPALS = {f"User:{p}" for p in Principal}


@dataclass(frozen=True)
class AclChanges:
    created: tuple[ck.AclBinding, ...]
    deleted: tuple[ck.AclBinding, ...]


def admin_config(settings: KafkaSettings) -> dict[str, str | int | float | bool]:
    """librdkafka's spelling of the same connection settings the services use."""
    config: dict[str, str | int | float | bool] = {
        "bootstrap.servers": settings.bootstrap_servers,
        "security.protocol": settings.security_protocol,
    }
    if settings.uses_sasl:
        config |= {
            "sasl.mechanism": settings.sasl_mechanism,
            "sasl.username": settings.sasl_username or "",
            "sasl.password": (
                settings.sasl_password.get_secret_value() if settings.sasl_password else ""
            ),
        }
    files = {
        "ssl.ca.location": settings.ssl_cafile,
        "ssl.certificate.location": settings.ssl_certfile,
        "ssl.key.location": settings.ssl_keyfile,
    }
    config |= {key: str(path) for key, path in files.items() if settings.uses_tls and path}
    if settings.uses_tls and settings.ssl_key_password:
        config["ssl.key.password"] = settings.ssl_key_password.get_secret_value()
    return config


def to_confluent(binding: acl.AclBinding) -> ck.AclBinding:
    return ck.AclBinding(
        _RESOURCE[binding.resource_type],
        binding.resource_name,
        _PATTERN[binding.pattern_type],
        binding.kafka_principal,
        "*",
        _OPERATION[binding.operation],
        ck.AclPermissionType.ALLOW,
    )


def _key(binding: ck.AclBinding) -> tuple[Any, ...]:
    """Identity of a binding as the broker reports it (its objects do not compare by value)."""
    return (
        binding.restype,
        binding.name,
        binding.resource_pattern_type,
        binding.principal,
        binding.host,
        binding.operation,
        binding.permission_type,
    )


def _exact_filter(binding: ck.AclBinding) -> ck.AclBindingFilter:
    return ck.AclBindingFilter(
        binding.restype,
        binding.name,
        binding.resource_pattern_type,
        binding.principal,
        binding.host,
        binding.operation,
        binding.permission_type,
    )


# None matches any name, principal and host; the library's annotations say ``str`` only.
_EVERYTHING = ck.AclBindingFilter(
    ck.ResourceType.ANY,
    None,  # type: ignore[arg-type]
    ck.ResourcePatternType.ANY,
    None,  # type: ignore[arg-type]
    None,  # type: ignore[arg-type]
    ck.AclOperation.ANY,
    ck.AclPermissionType.ANY,
)


def current_acls(client: ck.AdminClient) -> list[ck.AclBinding]:
    """Every ACL the cluster holds for one of the catalogue's principals."""
    found: list[ck.AclBinding] = client.describe_acls(_EVERYTHING).result(timeout=TIMEOUT_S)
    return [b for b in found if b.principal in _OUR_PRINCIPALS]


def plan(
    wanted: Iterable[acl.AclBinding], held: Iterable[ck.AclBinding]
) -> tuple[list[ck.AclBinding], list[ck.AclBinding]]:
    """What to create and what to delete so that ``held`` becomes ``wanted``."""
    desired = {_key(b): b for b in map(to_confluent, wanted)}
    present = {_key(b): b for b in held}
    create = [b for k, b in sorted(desired.items(), key=str) if k not in present]
    delete = [b for k, b in sorted(present.items(), key=str) if k not in desired]
    return create, delete


def sync_acls(
    settings: KafkaSettings,
    bindings: Iterable[acl.AclBinding] | None = None,
    *,
    dry_run: bool = False,
) -> AclChanges:
    """Create the missing bindings and delete the stale ones; returns what changed."""
    client = ck.AdminClient(admin_config(settings))
    wanted = tuple(acl.acl_bindings() if bindings is None else bindings)
    create, delete = plan(wanted, current_acls(client))
    if not dry_run:
        if create:
            _wait(client.create_acls(create))
        if delete:
            _wait(client.delete_acls([_exact_filter(b) for b in delete]))
        _until_enforced(client, wanted)
    return AclChanges(tuple(create), tuple(delete))


def _until_enforced(client: ck.AdminClient, wanted: tuple[acl.AclBinding, ...]) -> None:
    """Return once the broker itself reports the wanted set.

    The controller accepts ACL changes at once, but a broker applies them only when its copy
    of the metadata log catches up: seconds later while it is still creating a batch of new
    partitions. DescribeAcls is answered from the broker's authorizer, so when it agrees the
    rules are the ones being enforced.
    """
    deadline = time.monotonic() + TIMEOUT_S
    while any(plan(wanted, current_acls(client))):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the broker did not report the ACLs within {TIMEOUT_S:.0f} s")
        time.sleep(POLL_S)


def set_scram_password(settings: KafkaSettings, user: str, password: str) -> None:
    """Create or replace a user's SCRAM-SHA-512 credential: the first step of a rotation.

    Connections already authenticated stay open until they re-authenticate or reconnect;
    every new connection needs the new password.
    """
    client = ck.AdminClient(admin_config(settings))
    upsert = ck.UserScramCredentialUpsertion(
        user,
        ck.ScramCredentialInfo(ck.ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS),
        password.encode(),
    )
    _wait(client.alter_user_scram_credentials([upsert]))


def _wait(futures: Mapping[Any, Any]) -> None:
    """confluent-kafka answers with a future per item; any failure raises here."""
    for future in futures.values():
        future.result(timeout=TIMEOUT_S)


def main(argv: list[str] | None = None) -> int:
    command = parser("python -m convenio_chassis.acl_admin", __doc__ or "", [KafkaSettings])
    command.add_argument(
        "--dry-run",
        action="store_true",
        help=f"print the changes, apply none; exit {DRIFT} if there are any",
    )
    args = command.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    try:
        changes = sync_acls(KafkaSettings(), dry_run=args.dry_run)
    except Exception:
        log.exception("cannot read or change the cluster's ACLs")
        return 1
    verb = "would change" if args.dry_run else "changed"
    print(f"{verb}: {len(changes.created)} ACL(s) created, {len(changes.deleted)} deleted")
    for label, items in (("+", changes.created), ("-", changes.deleted)):
        for binding in items:
            print(f"  {label} {binding}")
    drifted = bool(changes.created or changes.deleted)
    return DRIFT if args.dry_run and drifted else 0


if __name__ == "__main__":
    sys.exit(main())
