"""``make run``: the whole system on one machine. A local Kafka broker, the three services on
SQLite files under ``var/``, the demo data published as an agency would, and where to look.
Ctrl-C stops everything cleanly (services drain and commit first, then the broker).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import signal
import sys
import time
from pathlib import Path
from typing import Any

import demo
from convenio_chassis.process import ServiceProcess, http_get_json
from convenio_chassis.settings import KafkaSettings
from convenio_chassis.topics_admin import ensure_topics
from kafka_local import LocalKafka

ROOT = Path(__file__).resolve().parents[2]
PORTS = {"enrolment": 8001, "evaluation": 8002, "reporting": 8003}


def say(message: str) -> None:
    print(f"[convenio] {message}", flush=True)


def wait_for_feed(url: str, timeout: float = 60) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    cells: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        cells = http_get_json(url)
        if len(cells) >= 6:  # month, quarter and year, for each municipality
            break
        time.sleep(0.5)
    return cells


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--var", type=Path, default=ROOT / "var")
    parser.add_argument("--keep", action="store_true", help="keep var/ from the last run")
    parser.add_argument("--no-demo", action="store_true")
    args = parser.parse_args()
    if not args.keep and args.var.exists():
        shutil.rmtree(args.var)
    args.var.mkdir(parents=True, exist_ok=True)

    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_signal)
    say("starting the Kafka broker (first run downloads its jars from Maven Central)...")
    kafka = LocalKafka(args.var / "kafka")
    services: list[ServiceProcess] = []
    try:
        bootstrap = kafka.start()
        say(f"Kafka is up at {bootstrap}")
        asyncio.run(ensure_topics(KafkaSettings(bootstrap_servers=bootstrap)))
        for name, port in PORTS.items():
            env = {
                "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
                "DATABASE_URL": f"sqlite:///{args.var}/{name}.db",
                "LOG_FORMAT": "text",
            }
            log = args.var / "logs" / f"{name}.log"
            services.append(ServiceProcess(name, env, log, port).start())
        for service in services:
            service.wait_ready()
            say(f"{service.name:<10} ready at {service.url}  (log: var/logs/{service.name}.log)")
        if not args.no_demo:
            publish_demo(bootstrap)
        print_where_to_look(bootstrap)
        while not stopping:
            time.sleep(0.5)
            for service in services:
                if service.proc is not None and service.proc.poll() is not None:
                    say(f"{service.name} exited unexpectedly:\n{service.log_tail()}")
                    return 1
    except KeyboardInterrupt:
        pass
    finally:
        # Ctrl-C reaches us more than once (make and uv forward it too); finish stopping cleanly.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        say("stopping: services drain and commit first, then the broker...")
        for service in services:
            service.stop()
        kafka.stop()
        say("stopped.")
    return 0


def publish_demo(bootstrap: str) -> None:
    counts = asyncio.run(demo.publish_in_order(bootstrap))
    say(
        f"demo data published: {counts['officers']} officers in {len(demo.MUNICIPALITIES)} "
        f"municipalities, 1 course, 1 offering, {counts['enrolments']} enrolment requests"
    )
    cells = wait_for_feed(f"http://127.0.0.1:{PORTS['reporting']}/indicators")
    for cell in cells:
        if cell["period_type"] == "month":
            say(f"  feed: {cell['cell_key']} = {cell['value']} (revision {cell['revision']})")


def print_where_to_look(bootstrap: str) -> None:
    base = "http://127.0.0.1"
    print(
        f"""
Where to look:
  ONC feed (JSON):      {base}:{PORTS["reporting"]}/indicators
  ONC API docs:         {base}:{PORTS["reporting"]}/docs
  Feed topic:           reporting.indicators.v1 on {bootstrap}
  Readiness / metrics:  {base}:<8001|8002|8003>/health/ready  and  /metrics
  Logs:                 var/logs/  (broker: var/kafka/broker.log)
Press Ctrl-C to stop.
""",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
