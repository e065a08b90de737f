"""``python -m bench``: the end-to-end benchmark, its baseline and the replay; one table.

    python -m bench                  # the full run (make bench)
    python -m bench --ci             # the reduced run CI does (make bench-ci), under 3 minutes
    python -m bench dataset          # what the synthetic data set holds
    python -m bench report RUN.json  # print a saved run's table again

The run's numbers are saved as JSON beside its logs (``var/bench/<time>/results.json``).
The exit status is 1 when the counts do not reconcile, never because of a speed.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

from . import profile as profiling
from . import report
from .baseline import TOPOLOGIES
from .dataset import MEASURED_KINDS, YEAR_KINDS, Dataset, DatasetSpec
from .replay import DEFAULT_KINDS, MODES
from .runner import Config, run

CI = Config(
    size=0.05,
    events=3000,
    loads=(200.0,),
    load_seconds=5.0,
    replay_facts=5000,
    replay_timeout_s=120.0,
    phase_timeout_s=120.0,
)
"""Small enough for CI: checks that the benchmark runs and its counts reconcile."""


def _floats(text: str) -> tuple[float, ...]:
    return tuple(float(v) for v in text.split(",") if v)


def _kinds(text: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in text.split(",") if v.strip())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command")
    dataset = sub.add_parser("dataset", help="count what the data set holds")
    dataset.add_argument("--seed", type=int, default=2025)
    dataset.add_argument("--size", type=float, default=1.0)
    shown = sub.add_parser("report", help="render a saved run")
    shown.add_argument("json", type=Path)

    d = Config()
    parser.add_argument("--ci", action="store_true", help="the reduced run CI does")
    parser.add_argument("--seed", type=int, help=f"data set seed ({d.seed})")
    parser.add_argument("--size", type=float, help=f"data set size, 1.0 = Edomex ({d.size})")
    parser.add_argument("--events", type=int, help=f"throughput run's events ({d.events:,})")
    parser.add_argument(
        "--kinds",
        type=_kinds,
        help=f"measured stream: some of {','.join(YEAR_KINDS)} ({','.join(MEASURED_KINDS)})",
    )
    parser.add_argument("--loads", type=_floats, help="offered rates for latency, e.g. 200,1000")
    parser.add_argument("--load-seconds", type=float, help=f"each latency run ({d.load_seconds})")
    parser.add_argument("--topology", choices=sorted(TOPOLOGIES), help="baseline's shape")
    parser.add_argument("--no-pipeline", action="store_true")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--replay-facts", type=int, help=f"0 skips the replay ({d.replay_facts:,})")
    parser.add_argument("--replay-kinds", type=_kinds, help=f"({','.join(DEFAULT_KINDS)})")
    parser.add_argument("--replay-mode", choices=MODES)
    parser.add_argument("--replay-timeout", type=float, dest="replay_timeout_s")
    parser.add_argument(
        "--postgres",
        metavar="URL",
        help="PostgreSQL server for the services' databases (SQLite if not)",
    )
    parser.add_argument(
        "--profile",
        type=float,
        dest="profile_seconds",
        metavar="SECONDS",
        help="also profile the services with py-spy",
    )
    parser.add_argument("--workdir", type=Path)
    return parser


def _config(args: argparse.Namespace) -> Config:
    config = replace(CI) if args.ci else Config()
    chosen = {
        name: getattr(args, name)
        for name in (
            "seed",
            "size",
            "events",
            "kinds",
            "loads",
            "load_seconds",
            "topology",
            "replay_facts",
            "replay_kinds",
            "replay_mode",
            "replay_timeout_s",
            "postgres",
            "profile_seconds",
            "workdir",
        )
        if getattr(args, name) is not None
    }
    config = replace(config, **chosen)
    return replace(config, pipeline=not args.no_pipeline, baseline=not args.no_baseline)


def _resummarised(results: dict[str, Any]) -> dict[str, Any]:
    """Profiles are summarised again from their raw stacks when those are still there."""
    results["profiles"] = [
        asdict(profiling.summarise(p["service"], Path(p["raw_file"])))
        if Path(p["raw_file"]).exists()
        else p
        for p in results.get("profiles", [])
    ]
    return results


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "dataset":
        counts = Dataset(DatasetSpec(seed=args.seed, size=args.size)).summary()
        for kind, n in sorted(counts.items(), key=lambda kv: -kv[1]):
            print(f"{kind:>14} {n:>10,}")
        print(f"{'total':>14} {sum(counts.values()):>10,}")
        return 0
    if args.command == "report":
        print(report.render(_resummarised(json.loads(args.json.read_text()))))
        return 0
    config = _config(args)
    # A stopped run still stops its services, hops and broker (finally blocks run on exit).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    results = run(config, say=lambda line: print(f"[bench] {line}", flush=True))
    saved = config.workdir / "results.json"
    saved.write_text(json.dumps(results.to_dict(), indent=2, default=str))
    print()
    print(report.render(json.loads(saved.read_text())))
    print(f"saved: {saved}")
    if not results.reconciled:
        print("THE COUNTS DO NOT RECONCILE: see the table above", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
