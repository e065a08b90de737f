"""A real single-node Apache Kafka 4.1.1 broker (KRaft) on 127.0.0.1, without Docker.

Why this exists: these machines have Java 17 and Maven but no Docker engine, and the tests must
run against a real broker (commits, seeks, rebalances, restarts), not an in-memory fake. The
broker's jars come from Maven Central through ``pom.xml`` beside this file and are cached, then
the broker runs as a plain ``java -cp`` child process.

Library use (e.g. as a pytest fixture)::

    with LocalKafka() as kafka:             # formats a temp dir, starts, waits until ready
        create_topics(kafka.bootstrap, [("orders", 3, {})])
        kafka.restart()                     # same data dir, same ports

Command line::

    python deploy/local/kafka_local.py fetch                 # download the jars only
    python deploy/local/kafka_local.py up [--dir var/kafka] [--foreground]
    python deploy/local/kafka_local.py status [--dir var/kafka]
    python deploy/local/kafka_local.py down [--dir var/kafka]

Only the standard library is imported at module level; ``aiokafka`` is imported lazily by the
readiness check and by :func:`create_topics`.
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import base64
import concurrent.futures
import contextlib
import fcntl
import hashlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Coroutine, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

KAFKA_VERSION = "4.1.1"
POM_PATH = Path(__file__).resolve().with_name("pom.xml")
CACHE_ENV = "CONVENIO_KAFKA_CACHE"
HEAP_ENV = "CONVENIO_KAFKA_HEAP_OPTS"
DEFAULT_HEAP_OPTS = "-Xms256m -Xmx768m"
# Kafka's own kafka-run-class.sh performance flags.
JVM_GC_OPTS = (
    "-server",
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-XX:InitiatingHeapOccupancyPercent=35",
    "-XX:+ExplicitGCInvokesConcurrent",
    "-Djava.awt.headless=true",
)
MARKER_NAME = ".complete"
SCRAM_MECHANISM = "SCRAM-SHA-512"
ADMIN_USER = "admin"
CONTROLLER_USER = "controller"
"""The node's own principal on its CONTROLLER listener (SASL/PLAIN): a named super user, so
no ``User:ANONYMOUS`` is needed there."""
STOP_TIMEOUT_S = 30.0
POLL_INTERVAL_S = 0.5
TAIL_LINES = 40

T = TypeVar("T")


class KafkaLocalError(RuntimeError):
    """The local broker could not be fetched, formatted, started or stopped."""


# --------------------------------------------------------------------------------------------
# Jars
# --------------------------------------------------------------------------------------------


def cache_dir() -> Path:
    """Where the jars live; shared by every clone and run so the download happens once."""
    override = os.environ.get(CACHE_ENV)
    if override:
        return Path(override).expanduser().resolve()
    return Path.home() / ".cache" / "convenio" / f"kafka-{KAFKA_VERSION}"


def libs_dir() -> Path:
    """The directory used as the broker's classpath (``<cache>/libs/*``)."""
    return cache_dir() / "libs"


def _pom_digest() -> str:
    """Hash of pom.xml, stored in the marker so an edited POM triggers a fresh copy."""
    return hashlib.sha256(POM_PATH.read_bytes()).hexdigest()


def _libs_complete(libs: Path) -> bool:
    marker = libs / MARKER_NAME
    return marker.is_file() and marker.read_text().strip() == _pom_digest()


def check_logging_jars(libs: Path) -> None:
    """Fail fast on the SLF4J pitfall instead of running a broker that silently logs nothing.

    Kafka 4.x logs via SLF4J 1.7; an SLF4J 2.x api or the ``log4j-slf4j2-impl`` binding makes
    SLF4J fall back to its NOP logger, and a missing ``log4j-slf4j-impl`` does the same.
    """
    names = [p.name for p in libs.glob("*.jar")]
    bad = [n for n in names if n.startswith(("slf4j-api-2.", "log4j-slf4j2-impl"))]
    if bad:
        raise KafkaLocalError(f"SLF4J 2.x jars on the broker classpath: {bad}; fix pom.xml")
    if not any(n.startswith("log4j-slf4j-impl-") for n in names):
        raise KafkaLocalError("log4j-slf4j-impl (SLF4J 1.7 binding) is missing; fix pom.xml")


def _mvn_copy_dependencies(output: Path) -> None:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise KafkaLocalError("Maven ('mvn') is not on PATH; it is needed once to fetch jars")
    cmd = [
        mvn, "-B", "-q", "-Dstyle.color=never", "-f", str(POM_PATH),
        "org.apache.maven.plugins:maven-dependency-plugin:3.6.1:copy-dependencies",
        "-DincludeScope=runtime", f"-DoutputDirectory={output}",
    ]  # fmt: skip
    # Capture Maven's output: `up` prints the bootstrap address on stdout for shells to eval.
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise KafkaLocalError(f"mvn failed ({result.returncode}):\n{result.stdout}{result.stderr}")


def fetch_jars(force: bool = False) -> Path:
    """Copy Kafka's runtime jars from Maven Central into the cache; no-op when already there.

    A file lock serialises concurrent fetches (parallel test workers), and the copy goes to a
    temporary directory renamed into place, so a half-finished download is never used.
    """
    libs = libs_dir()
    if not force and _libs_complete(libs):
        return libs
    libs.parent.mkdir(parents=True, exist_ok=True)
    with open(libs.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not force and _libs_complete(libs):
            return libs
        staging = Path(tempfile.mkdtemp(prefix="libs.", dir=libs.parent))
        try:
            _mvn_copy_dependencies(staging)
            check_logging_jars(staging)
            (staging / MARKER_NAME).write_text(_pom_digest() + "\n")
            shutil.rmtree(libs, ignore_errors=True)
            staging.rename(libs)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return libs


def java_executable() -> str:
    """The ``java`` to run: ``$JAVA_HOME/bin/java`` if set, else the one on PATH (17+)."""
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        return str(Path(java_home) / "bin" / "java")
    found = shutil.which("java")
    if found is None:
        raise KafkaLocalError("no 'java' found (set JAVA_HOME or install a JDK 17+)")
    return found


def run_java_tool(main_class: str, args: Sequence[str], heap: str = "-Xmx256m") -> str:
    """Run a Kafka Java CLI (e.g. ``org.apache.kafka.tools.AclCommand``) on the cached jars.

    Returns its combined output; raises with that output if it exits non-zero.
    """
    cmd = [java_executable(), heap, "-cp", f"{fetch_jars()}/*", main_class, *args]
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    output = result.stdout + result.stderr
    if result.returncode != 0:
        raise KafkaLocalError(f"{main_class} failed ({result.returncode}):\n{output}")
    return output


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


def free_ports(count: int) -> list[int]:
    """Pick ``count`` distinct free TCP ports on 127.0.0.1 (the OS chooses; a tiny race remains).

    All sockets stay open until every port is chosen, so the OS cannot hand out one twice.
    """
    with contextlib.ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in socks]


def new_cluster_id() -> str:
    """A Kafka cluster id, made like ``Uuid.randomUuid()``: url-safe base64, never ``-``-led."""
    while True:
        cid = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cid.startswith("-"):
            return cid


def tail(path: Path, lines: int = TAIL_LINES) -> str:
    """The last lines of a log file, for error messages; empty if the file is missing."""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 16384))
            text = fh.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def _run_coroutine(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even inside a running event loop.

    Inside a loop (an async pytest fixture calling ``start()``) ``asyncio.run`` is refused, so
    the coroutine then runs on a fresh loop in a worker thread.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _check_credential(value: str) -> None:
    """Reject what StorageTool's ``--add-scram`` parser or the JAAS line cannot carry."""
    if not value or any(c in value for c in ',"\\\n\r\t ') or value.startswith("["):
        raise ValueError(
            f'SASL user names/passwords must be non-empty, without , " \\ or whitespace: {value!r}'
        )


# --------------------------------------------------------------------------------------------
# Configuration files
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BrokerTls:
    """PEM files for the broker's TLS listeners (Kafka reads PEM directly since 2.7, KIP-651).

    ``keystore`` holds the broker's unencrypted PKCS#8 private key followed by its certificate
    chain; ``truststore`` holds the CA certificates it accepts client certificates from.
    """

    keystore: Path
    truststore: Path


def server_properties(
    port: int,
    controller_port: int,
    data_dir: Path,
    sasl_users: Mapping[str, str] | None,
    tls: BrokerTls | None = None,
    tls_ports: Mapping[str, int] | None = None,
    controller_password: str | None = None,
) -> str:
    """server.properties for a combined broker+controller node with a static quorum.

    Static voters mean no ``--standalone`` at format time. Every replication factor is 1 and
    thread counts are small because this runs on 2-core machines next to the tests. With
    ``tls``, ``tls_ports`` gives the port of each extra TLS listener (``SASL_SSL``, ``SSL``).
    With ``sasl_users``, the CONTROLLER listener needs ``controller_password`` too: it is
    SASL/PLAIN for the node's own ``controller`` user, so nobody anonymous reaches it. The
    file then holds passwords: write it for its owner alone.
    """
    if sasl_users and not controller_password:
        raise ValueError("a SASL broker needs a controller_password for its CONTROLLER listener")
    controller_protocol = "SASL_PLAINTEXT" if sasl_users else "PLAINTEXT"
    protocol = "SASL_PLAINTEXT" if sasl_users else "PLAINTEXT"
    client = {protocol: port, **(tls_ports or {})}
    listeners = ",".join(f"{name}://127.0.0.1:{p}" for name, p in client.items())
    props = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@127.0.0.1:{controller_port}",
        "listeners": f"{listeners},CONTROLLER://127.0.0.1:{controller_port}",
        "advertised.listeners": listeners,
        "listener.security.protocol.map": ",".join(
            [f"CONTROLLER:{controller_protocol}", *(f"{name}:{name}" for name in client)]
        ),
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": protocol,
        "log.dirs": str(data_dir),
        "num.partitions": "1",
        "offsets.topic.replication.factor": "1",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
        "num.network.threads": "2",
        "num.io.threads": "2",
    }
    if sasl_users:
        assert controller_password is not None
        props.update(_sasl_properties(sasl_users[ADMIN_USER], tuple(client)))
        props.update(_controller_sasl_properties(controller_password))
    if tls:
        props.update(_tls_properties(tls))
    return "".join(f"{key}={value}\n" for key, value in props.items())


def tls_listeners(sasl: bool) -> tuple[str, ...]:
    """The extra listeners a TLS-enabled broker opens: SASL over TLS when SCRAM is on, and
    always plain TLS with a required client certificate (mutual TLS)."""
    return ("SASL_SSL", "SSL") if sasl else ("SSL",)


def _tls_properties(tls: BrokerTls) -> dict[str, str]:
    """PEM key store and trust store; on the ``SSL`` listener the client certificate is the
    credential, and its CN becomes the principal (``CN=svc-enrolment,...`` -> ``User:svc-
    enrolment``), so the same ACLs hold whether a client authenticates by SCRAM or by
    certificate."""
    return {
        "ssl.keystore.type": "PEM",
        "ssl.keystore.location": str(tls.keystore),
        "ssl.truststore.type": "PEM",
        "ssl.truststore.location": str(tls.truststore),
        "listener.name.ssl.ssl.client.auth": "required",
        "ssl.principal.mapping.rules": "RULE:^CN=([^,]+).*$/$1/,DEFAULT",
    }


def _sasl_properties(admin_password: str, listeners: Sequence[str]) -> dict[str, str]:
    """SCRAM-SHA-512 on the SASL client listeners, ACLs enforced by StandardAuthorizer.

    The super users are named: the administrator, and the node itself on its CONTROLLER
    listener (``_controller_sasl_properties``). No ``User:ANONYMOUS``: with a PLAINTEXT
    controller listener it had to be a super user, so any local process could administer
    the cluster through that port.
    """
    jaas = (
        "org.apache.kafka.common.security.scram.ScramLoginModule required "
        f'username="{ADMIN_USER}" password="{admin_password}";'
    )
    jaas_per_listener = {
        f"listener.name.{name.lower()}.scram-sha-512.sasl.jaas.config": jaas
        for name in listeners
        if name.startswith("SASL_")
    }
    return {
        "sasl.enabled.mechanisms": SCRAM_MECHANISM,
        "sasl.mechanism.inter.broker.protocol": SCRAM_MECHANISM,
        **jaas_per_listener,
        "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
        "super.users": f"User:{ADMIN_USER};User:{CONTROLLER_USER}",
        "allow.everyone.if.no.acl.found": "false",
    }


def _controller_sasl_properties(password: str) -> dict[str, str]:
    """SASL/PLAIN on the CONTROLLER listener, where the broker registers and heartbeats.

    SCRAM cannot protect that listener (its credentials live in the metadata log the
    controller serves), so PLAIN with one static user, defined in the JAAS line both as the
    client the broker side logs in as and as the user the controller side accepts."""
    jaas = (
        "org.apache.kafka.common.security.plain.PlainLoginModule required "
        f'username="{CONTROLLER_USER}" password="{password}" '
        f'user_{CONTROLLER_USER}="{password}";'
    )
    return {
        "sasl.mechanism.controller.protocol": "PLAIN",
        "listener.name.controller.sasl.enabled.mechanisms": "PLAIN",
        "listener.name.controller.plain.sasl.jaas.config": jaas,
    }


def _write_private(path: Path, text: str) -> None:
    """Write ``text`` readable by its owner alone (it holds passwords)."""
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(text)


def _argfile_line(arg: str) -> str:
    """One argument in a ``java @argfile``: quoted, so nothing in it is split or commented."""
    return '"' + arg.replace("\\", "\\\\").replace('"', '\\"') + '"\n'


def log4j2_properties(log_file: Path) -> str:
    """A log4j2 ``.properties`` config (YAML would need jackson-yaml; this needs nothing).

    INFO overall so ``Kafka Server started`` and rebalances are visible. Turned down to keep
    the file modest: per-request and state-change loggers, the ~330-line config dump printed
    at every start (it repeats server.properties) and the ~6 lines per ``__consumer_offsets``
    partition (50 of them) that the group coordinator logs at every load and unload.
    """
    return f"""\
status = warn
name = convenio-local-kafka
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = {log_file}
appender.file.append = true
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.requestchannel.name = kafka.network.RequestChannel$
logger.requestchannel.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.configdump.name = org.apache.kafka.common.config.AbstractConfig
logger.configdump.level = WARN
logger.coordinatorruntime.name = org.apache.kafka.coordinator.common.runtime.CoordinatorRuntime
logger.coordinatorruntime.level = WARN
"""


# --------------------------------------------------------------------------------------------
# Readiness and admin calls (aiokafka, imported lazily)
# --------------------------------------------------------------------------------------------


def client_options(bootstrap: str, credentials: tuple[str, str] | None = None) -> dict[str, Any]:
    """aiokafka client keyword arguments for this broker (SCRAM-SHA-512 when credentials)."""
    options: dict[str, Any] = {"bootstrap_servers": bootstrap}
    if credentials is not None:
        options.update(
            security_protocol="SASL_PLAINTEXT",
            sasl_mechanism=SCRAM_MECHANISM,
            sasl_plain_username=credentials[0],
            sasl_plain_password=credentials[1],
        )
    return options


def _port_open(address: str) -> bool:
    """Is something accepting TCP connections at ``host:port``?"""
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=0.5):
            return True
    except OSError:
        return False


def _require_aiokafka() -> None:
    """Fail before launching a JVM when the readiness check could never succeed."""
    try:
        import aiokafka  # noqa: F401
    except ImportError as exc:
        raise KafkaLocalError(
            "aiokafka (>=0.12) is needed for the readiness check; run this with the project's "
            "environment (e.g. `uv run python deploy/local/kafka_local.py up`)"
        ) from exc


async def _admin_answers(options: Mapping[str, Any], limit_s: float) -> bool:
    """One readiness probe: does an admin ``list_topics()`` call succeed within ``limit_s``?"""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(**options, request_timeout_ms=max(1000, int(limit_s * 1000)))
    try:
        async with asyncio.timeout(limit_s):
            await admin.start()
            await admin.list_topics()
        return True
    except Exception:  # any failure (refused, timeout, auth not ready) means "not ready yet"
        return False
    finally:
        with contextlib.suppress(Exception):
            await admin.close()


async def create_topics_async(
    bootstrap: str,
    specs: Sequence[tuple[str, int, Mapping[str, str]]],
    options: Mapping[str, Any] | None = None,
) -> None:
    """Async form of :func:`create_topics`."""
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic
    from aiokafka.errors import TopicAlreadyExistsError, for_code

    if not specs:
        return
    admin = AIOKafkaAdminClient(**(options or client_options(bootstrap)))
    await admin.start()
    try:
        new = [NewTopic(name, parts, 1, topic_configs=dict(cfg)) for name, parts, cfg in specs]
        response = await admin.create_topics(new)
    finally:
        await admin.close()
    for item in response.topic_errors:
        name, code = item[0], item[1]
        if code not in (0, TopicAlreadyExistsError.errno):
            detail = item[2] if len(item) > 2 else ""
            raise for_code(code)(f"creating topic {name!r}: {detail}")


def create_topics(
    bootstrap: str,
    specs: list[tuple[str, int, dict[str, str]]],
    options: Mapping[str, Any] | None = None,
) -> None:
    """Create topics (name, partitions, configs) with replication factor 1, idempotently.

    Existing topics are left as they are (TopicAlreadyExists is ignored), so fixtures and
    ``up`` scripts can call this on every run. ``options`` are aiokafka client kwargs, e.g.
    :meth:`LocalKafka.client_options` for a SASL broker.
    """
    _run_coroutine(create_topics_async(bootstrap, specs, options))


# --------------------------------------------------------------------------------------------
# The broker
# --------------------------------------------------------------------------------------------


class LocalKafka:
    """One single-node KRaft broker process, owned by this object.

    ``workdir`` holds the configs, the data (``data/``) and the logs (``broker.log`` from
    log4j, ``broker.out`` for the JVM's own stdout/stderr). Without one, a temporary directory
    is made and removed again when the context manager exits. An already formatted data dir
    is reused as is, which is what ``restart()`` and ``up`` after ``down`` rely on.

    With ``sasl_users`` (which must include ``admin``) the client listener is SASL_PLAINTEXT
    with SCRAM-SHA-512; users are created at format time and ACLs are enforced. With ``tls``
    the broker also listens with TLS (see :func:`tls_listeners`); :meth:`tls_bootstrap` gives
    those addresses.
    """

    def __init__(
        self,
        workdir: Path | None = None,
        sasl_users: dict[str, str] | None = None,
        tls: BrokerTls | None = None,
    ) -> None:
        if sasl_users is not None:
            if ADMIN_USER not in sasl_users:
                raise ValueError(f"sasl_users must include the super user {ADMIN_USER!r}")
            for name, password in sasl_users.items():
                _check_credential(name)
                _check_credential(password)
        self._owns_workdir = workdir is None
        if workdir is None:
            workdir = Path(tempfile.mkdtemp(prefix="convenio-kafka-"))
        self.workdir = Path(workdir).resolve()
        self.sasl_users = dict(sasl_users) if sasl_users else None
        # New each run: both ends of the CONTROLLER listener read it from server.properties.
        self._controller_password = secrets.token_hex(24) if sasl_users else None
        self.tls = tls
        self.port: int | None = None
        self.controller_port: int | None = None
        self.tls_ports: dict[str, int] = {}
        self._proc: subprocess.Popen[bytes] | None = None

    # -- paths ---------------------------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        return self.workdir / "data"

    @property
    def log_file(self) -> Path:
        """log4j output: the broker's own log (look here for ``Kafka Server started``)."""
        return self.workdir / "broker.log"

    @property
    def stdout_file(self) -> Path:
        """JVM stdout/stderr: crashes before log4j is up (e.g. wrong Java version) land here."""
        return self.workdir / "broker.out"

    @property
    def properties_file(self) -> Path:
        return self.workdir / "server.properties"

    @property
    def log4j_file(self) -> Path:
        return self.workdir / "log4j2.properties"

    # -- state ---------------------------------------------------------------------------------

    @property
    def bootstrap(self) -> str:
        """``127.0.0.1:PORT`` of the client listener; valid once started."""
        if self.port is None:
            raise KafkaLocalError("broker not started")
        return f"127.0.0.1:{self.port}"

    def tls_bootstrap(self, listener: str = "SASL_SSL") -> str:
        """``127.0.0.1:PORT`` of a TLS listener (``SASL_SSL`` or ``SSL``); valid once started."""
        if listener not in self.tls_ports:
            raise KafkaLocalError(f"no {listener} listener (tls not configured or not started)")
        return f"127.0.0.1:{self.tls_ports[listener]}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def is_running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def admin_credentials(self) -> tuple[str, str] | None:
        if self.sasl_users is None:
            return None
        return ADMIN_USER, self.sasl_users[ADMIN_USER]

    def internal_passwords(self) -> dict[str, str]:
        """Passwords the node uses for itself (its CONTROLLER listener), none for clients."""
        pw = self._controller_password
        return {CONTROLLER_USER: pw} if pw else {}

    def client_options(self, user: str = ADMIN_USER) -> dict[str, Any]:
        """aiokafka kwargs to reach this broker, authenticated as ``user`` in SASL mode."""
        creds = None if self.sasl_users is None else (user, self.sasl_users[user])
        return client_options(self.bootstrap, creds)

    # -- lifecycle -----------------------------------------------------------------------------

    def start(self, timeout: float = 90) -> str:
        """Format if needed, launch the JVM and block until an admin call answers.

        Returns the bootstrap address. Ports are chosen on the first start and kept for
        later ones, so clients' bootstrap addresses survive :meth:`restart`.
        """
        if self.is_running():
            return self.bootstrap
        _require_aiokafka()
        libs = fetch_jars()
        if self.port is None or self.controller_port is None:
            extra = tls_listeners(self.sasl_users is not None) if self.tls else ()
            self.port, self.controller_port, *tls_ports = free_ports(2 + len(extra))
            self.tls_ports = dict(zip(extra, tls_ports, strict=True))
        self._write_configs()
        if not (self.data_dir / "meta.properties").is_file():
            self._format(libs)
        began = time.monotonic()
        self._launch(libs)
        # Safety net: an interrupted test run must not leave an orphan JVM behind.
        atexit.register(self.stop)
        try:
            self._wait_ready(began + timeout)
        except BaseException:
            self.stop()
            raise
        return self.bootstrap

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """SIGTERM our own PID (controlled shutdown), then SIGKILL after ``timeout`` seconds."""
        atexit.unregister(self.stop)
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def restart(self, timeout: float = 90) -> str:
        """Stop and start again on the same data directory and the same ports."""
        self.stop()
        return self.start(timeout)

    def detach(self) -> None:
        """Leave the broker running when this Python process exits (used by ``up``)."""
        atexit.unregister(self.stop)

    def cleanup(self) -> None:
        """Stop, and delete the working directory if this object created it."""
        self.stop()
        if self._owns_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self) -> LocalKafka:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.cleanup()

    # -- internals -----------------------------------------------------------------------------

    def _write_configs(self) -> None:
        assert self.port is not None
        assert self.controller_port is not None
        self.data_dir.mkdir(parents=True, exist_ok=True)
        props = server_properties(
            self.port,
            self.controller_port,
            self.data_dir,
            self.sasl_users,
            self.tls,
            self.tls_ports,
            self._controller_password,
        )
        _write_private(self.properties_file, props)
        self.log4j_file.write_text(log4j2_properties(self.log_file))

    def _format(self, libs: Path) -> None:
        """Run StorageTool once per data dir; SCRAM users can only be added at this point.

        No log4j config here on purpose: log4j's default (errors to the console) keeps its
        300-line config dump out of broker.log, and the console output is captured anyway.
        The SCRAM users' passwords go in a ``java @argfile`` readable by its owner alone and
        removed at once, never on the command line, which every local user can read in /proc.
        """
        args = [
            "-Xmx256m", "-cp", f"{libs}/*", "kafka.tools.StorageTool", "format",
            "-t", new_cluster_id(), "-c", str(self.properties_file),
        ]  # fmt: skip
        for name, password in (self.sasl_users or {}).items():
            args += ["--add-scram", f"{SCRAM_MECHANISM}=[name={name},password={password}]"]
        argfile = self.workdir / "format.args"
        _write_private(argfile, "".join(_argfile_line(a) for a in args))
        try:
            cmd = [java_executable(), f"@{argfile}"]
            result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        finally:
            argfile.unlink(missing_ok=True)
        if result.returncode != 0:
            raise KafkaLocalError(
                f"StorageTool format failed ({result.returncode}):\n{result.stdout}{result.stderr}"
            )

    def _java_command(self, libs: Path) -> list[str]:
        heap = os.environ.get(HEAP_ENV, DEFAULT_HEAP_OPTS).split()
        return [
            java_executable(), *heap, *JVM_GC_OPTS,
            f"-Dlog4j2.configurationFile={self.log4j_file}",
            f"-Dkafka.logs.dir={self.workdir}",
            "-cp", f"{libs}/*", "kafka.Kafka", str(self.properties_file),
        ]  # fmt: skip

    def _launch(self, libs: Path) -> None:
        """Start the JVM in its own session so terminal signals and ``up``'s exit spare it."""
        with open(self.stdout_file, "ab") as out:
            self._proc = subprocess.Popen(
                self._java_command(libs),
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.workdir,
                start_new_session=True,
            )

    def _wait_ready(self, deadline: float) -> None:
        """Poll an admin ``list_topics()`` every 0.5 s until it answers, the JVM dies, or time
        runs out; the last two raise with the tail of the broker's logs."""
        options = client_options(self.bootstrap, self.admin_credentials())
        while True:
            if self._proc is None or self._proc.poll() is not None:
                code = None if self._proc is None else self._proc.returncode
                raise KafkaLocalError(f"broker exited early (code {code})\n{self._log_tails()}")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise KafkaLocalError(f"broker not ready in time\n{self._log_tails()}")
            # A cheap TCP probe first: aiokafka logs every refused connection at ERROR.
            if _port_open(self.bootstrap) and _run_coroutine(
                _admin_answers(options, min(5.0, remaining))
            ):
                return
            time.sleep(POLL_INTERVAL_S)

    def _log_tails(self) -> str:
        return (
            f"--- {self.log_file} (tail) ---\n{tail(self.log_file)}\n"
            f"--- {self.stdout_file} (tail) ---\n{tail(self.stdout_file)}"
        )


# --------------------------------------------------------------------------------------------
# Processes recorded in a pid file (CLI `down` / `status`)
# --------------------------------------------------------------------------------------------


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def _alive(pid: int) -> bool:
    """True for a live process; a zombie (exited, not yet reaped) counts as dead."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def is_our_broker(pid: int, workdir: Path) -> bool:
    """Is ``pid`` a java process running ``kafka.Kafka`` on ``workdir``'s server.properties?

    Guards against signalling whatever process reused a stale pid.
    """
    args = _cmdline(pid)
    if not args or not _alive(pid) or Path(args[0]).name != "java":
        return False
    return "kafka.Kafka" in args and str(workdir / "server.properties") in args


def rss_mib(pid: int) -> float | None:
    """Resident memory of a process in MiB, from /proc."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def stop_pid(pid: int, timeout: float = STOP_TIMEOUT_S) -> None:
    """SIGTERM one PID, wait up to ``timeout`` s for it to go, then SIGKILL it."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if _alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


# --------------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------------


def _say(message: str) -> None:
    """Human messages go to stderr: stdout carries only ``KAFKA_BOOTSTRAP_SERVERS=...``."""
    print(message, file=sys.stderr, flush=True)


def _recorded_pid(workdir: Path) -> int | None:
    try:
        return int((workdir / "broker.pid").read_text().strip())
    except (OSError, ValueError):
        return None


def _recorded_bootstrap(workdir: Path) -> str:
    try:
        return (workdir / "bootstrap.txt").read_text().strip()
    except OSError:
        return "unknown"


def _running_pid(workdir: Path) -> int | None:
    pid = _recorded_pid(workdir)
    return pid if pid is not None and is_our_broker(pid, workdir) else None


def _cmd_fetch(_: argparse.Namespace) -> int:
    began = time.monotonic()
    libs = fetch_jars()
    _say(f"jars ready in {libs} ({time.monotonic() - began:.1f} s)")
    return 0


def _cmd_up(args: argparse.Namespace) -> int:
    workdir = Path(args.dir).resolve()
    if (pid := _running_pid(workdir)) is not None:
        bootstrap = _recorded_bootstrap(workdir)
        _say(f"already running (pid {pid})")
        print(f"KAFKA_BOOTSTRAP_SERVERS={bootstrap}", flush=True)
        return 0
    kafka = LocalKafka(workdir=workdir)
    began = time.monotonic()
    bootstrap = kafka.start(timeout=args.timeout)
    (workdir / "bootstrap.txt").write_text(bootstrap + "\n")
    (workdir / "broker.pid").write_text(f"{kafka.pid}\n")
    _say(f"kafka {KAFKA_VERSION} ready in {time.monotonic() - began:.1f} s, pid {kafka.pid}, "
         f"logs in {kafka.log_file}")  # fmt: skip
    print(f"KAFKA_BOOTSTRAP_SERVERS={bootstrap}", flush=True)
    if not args.foreground:
        kafka.detach()
        return 0
    return _serve_foreground(kafka)


def _raise_interrupt(signum: int, frame: object) -> None:
    """Turn SIGTERM into the same clean shutdown path as Ctrl-C."""
    raise KeyboardInterrupt


def _serve_foreground(kafka: LocalKafka) -> int:
    """Block until the broker dies or we get SIGINT/SIGTERM, then stop it cleanly."""
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        while kafka.is_running():
            time.sleep(1)
        _say("broker exited")
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        kafka.stop()
        for name in ("broker.pid", "bootstrap.txt"):
            (kafka.workdir / name).unlink(missing_ok=True)


def _cmd_down(args: argparse.Namespace) -> int:
    workdir = Path(args.dir).resolve()
    pid = _recorded_pid(workdir)
    if pid is None:
        _say(f"no broker recorded in {workdir}")
    elif not is_our_broker(pid, workdir):
        _say(f"pid {pid} is not our broker any more; clearing the stale pid file")
    else:
        stop_pid(pid)
        _say(f"stopped broker pid {pid}")
    for name in ("broker.pid", "bootstrap.txt"):
        (workdir / name).unlink(missing_ok=True)
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    workdir = Path(args.dir).resolve()
    pid = _running_pid(workdir)
    if pid is None:
        print(f"stopped ({workdir})")
        return 3
    rss = rss_mib(pid) or 0.0
    bootstrap = _recorded_bootstrap(workdir)
    print(f"running pid={pid} bootstrap={bootstrap} rss_mib={rss:.0f} dir={workdir}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("fetch", help="download the broker jars into the cache").set_defaults(
        func=_cmd_fetch
    )
    up = sub.add_parser("up", help="start a broker, print KAFKA_BOOTSTRAP_SERVERS=...")
    up.add_argument("--foreground", action="store_true", help="stay attached; Ctrl-C stops")
    up.add_argument("--timeout", type=float, default=90.0, help="readiness timeout, seconds")
    up.set_defaults(func=_cmd_up)
    down = sub.add_parser("down", help="stop the broker recorded in <dir>/broker.pid")
    down.set_defaults(func=_cmd_down)
    status = sub.add_parser("status", help="report whether the broker is running")
    status.set_defaults(func=_cmd_status)
    for command in (up, down, status):
        command.add_argument("--dir", default="var/kafka", help="working dir (default var/kafka)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KafkaLocalError as exc:
        _say(f"error: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
