"""The table a run prints (Markdown, so it can go into docs/performance.md as it is)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

GOALS = {
    "throughput": 5000.0,
    "ratio": 0.3,
    "p99_ms_at_1000": 250.0,
    "replay": 20000.0,
    "rss_mb": 250.0,
}


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return lines


def _n(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "-"
    return f"{value:,.{digits}f}"


def _verdict(met: bool | None) -> str:
    return "-" if met is None else ("met" if met else "**not met**")


def _by_system(items: list[dict[str, Any]]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    pipeline = next((i for i in items if i["system"] == "pipeline"), None)
    baseline = next((i for i in items if i["system"] != "pipeline"), None)
    return pipeline, baseline


def headline(results: dict[str, Any]) -> list[str]:
    rows = [
        *_throughput_row(results),
        *_latency_rows(results),
        *_replay_row(results),
        *_memory_row(results),
    ]
    return _table(["Measure", "Pipeline", _baseline_name(results), "Ratio", "Goal"], rows)


def _throughput_row(results: dict[str, Any]) -> list[list[object]]:
    pipeline, baseline = _by_system(results["throughput"])
    if not (pipeline or baseline):
        return []
    p = pipeline["events_per_s"] if pipeline else None
    b = baseline["events_per_s"] if baseline else None
    ratio = p / b if p and b else None
    events = (pipeline or baseline or {}).get("events", 0)
    met = None if p is None else p >= GOALS["throughput"] and (ratio or 0) >= GOALS["ratio"]
    return [
        [
            f"Sustained throughput, events/s ({events:,} events)",
            _n(p),
            _n(b),
            f"{ratio:.2f} x" if ratio else "-",
            f"≥ 5,000 and ≥ 0.3 x baseline: {_verdict(met)}",
        ]
    ]


def _all_visible(item: dict[str, Any]) -> bool:
    return bool(item["visible"][next(iter(item["visible"]))] == item["events"])


def _latency_rows(results: dict[str, Any]) -> list[list[object]]:
    rows: list[list[object]] = []
    for rate in sorted({item["offered_per_s"] for item in results["latency"]}):
        lp, lb = _by_system([i for i in results["latency"] if i["offered_per_s"] == rate])
        goal = ""
        if rate == 1000 and lp and lp["end_to_end_ms"]:
            met = lp["end_to_end_ms"]["p99"] <= GOALS["p99_ms_at_1000"] and _all_visible(lp)
            goal = f"p99 ≤ 250 ms: {_verdict(met)}"
        rows.append(
            [
                f"Latency at {rate:,.0f} events/s offered, p50 / p95 / p99 ms",
                _latency(lp),
                _latency(lb),
                _latency_ratio(lp, lb),
                goal,
            ]
        )
    return rows


def _replay_row(results: dict[str, Any]) -> list[list[object]]:
    replay = results.get("replay")
    if not replay:
        return []
    done = "" if replay["complete"] else " (did not finish: the rate so far)"
    met = replay["complete"] and replay["events_per_s"] >= GOALS["replay"]
    return [
        [
            f"Replay, events/s ({replay['facts']:,} facts, {replay['mode']}){done}",
            _n(replay["events_per_s"]),
            "-",
            "-",
            f"≥ 20,000: {_verdict(met)}",
        ]
    ]


def _memory_row(results: dict[str, Any]) -> list[list[object]]:
    peak = _peak_service_rss(results)
    if peak is None:
        return []
    met = peak * 1.048576 <= GOALS["rss_mb"]
    return [
        [
            "Largest service RSS under load, MiB",
            _n(peak, 1),
            "-",
            "-",
            f"≤ 250 MB each: {_verdict(met)}",
        ]
    ]


def _baseline_name(results: dict[str, Any]) -> str:
    _, baseline = _by_system(results["throughput"])
    return str(baseline["system"]).capitalize() if baseline else "Baseline"


def _latency(item: dict[str, Any] | None) -> str:
    if not item or not item["end_to_end_ms"]:
        return "-"
    ms = item["end_to_end_ms"]
    missing = item["events"] - item["visible"][next(iter(item["visible"]))]
    tail = f" ({missing:,} never seen)" if missing else ""
    return f"{ms['p50']:,.0f} / {ms['p95']:,.0f} / {ms['p99']:,.0f}{tail}"


def _latency_ratio(p: dict[str, Any] | None, b: dict[str, Any] | None) -> str:
    if not (p and b and p["end_to_end_ms"] and b["end_to_end_ms"]):
        return "-"
    ratio = p["end_to_end_ms"]["p99"] / max(b["end_to_end_ms"]["p99"], 0.1)
    return f"p99 {ratio:,.1f} x"


SERVICE_NAMES = ("enrolment", "evaluation", "reporting")


def _peak_service_rss(results: dict[str, Any]) -> float | None:
    peaks = [
        usage["peak_rss_mib"]
        for item in [*results["throughput"], *results["latency"]]
        if item["system"] == "pipeline"
        for name, usage in item["usage"].items()
        if name in SERVICE_NAMES
    ]
    return max(peaks) if peaks else None


def processes(results: dict[str, Any]) -> list[str]:
    """What each process consumed and cost in the throughput runs. CPU per event adds up to
    the whole system's cost of one intake event: two cores divided by it bound the rate."""
    rows: list[list[object]] = []
    for item in results["throughput"]:
        events, elapsed = item["events"], item["elapsed_s"]
        for name, usage in item["usage"].items():
            group = _group_of(item, name)
            load = item["groups"].get(group, {}) if group else {}
            rows.append([
                item["system"], name, _n(load.get("consumed")), _n(load.get("busy_s"), 1),
                _n(load.get("records_per_s")), _n(usage["cpu_s"], 1),
                _n(100 * usage["cpu_s"] / elapsed), _n(1e6 * usage["cpu_s"] / events),
                _n(usage["peak_rss_mib"] or None, 1), _n(usage["hwm_mib"] or None, 1),
            ])  # fmt: skip
        total = sum(u["cpu_s"] for u in item["usage"].values())
        rows.append([
            item["system"], "**all processes**", "", "", "", _n(total, 1),
            _n(100 * total / elapsed), _n(1e6 * total / events), "", "",
        ])  # fmt: skip
    header = ["Run", "Process", "Records consumed", "Busy s", "Records/s", "CPU s",
              "CPU % of a core", "CPU µs per event", "Peak RSS MiB", "VmHWM MiB"]  # fmt: skip
    return _table(header, rows)


def _group_of(item: dict[str, Any], process: str) -> str | None:
    if process in item["groups"]:
        return process
    twin = process.removesuffix(" twin")
    return next((g for g in item["groups"] if g == f"baseline-{twin}"), None)


def latency_detail(results: dict[str, Any]) -> list[str]:
    rows = []
    for item in results["latency"]:
        first = item["first_hop_ms"]
        for group, ms in item["by_group_ms"].items():
            achieved = item["events"] / item["offered_s"] if item["offered_s"] else None
            rows.append(
                [
                    item["system"],
                    _n(item["offered_per_s"]),
                    _n(item["events"]),
                    _n(achieved),
                    group,
                    f"{item['visible'][group]:,}",
                    f"{first['p50']:,.0f} / {first['p99']:,.0f}" if first else "-",
                    " / ".join(f"{ms[q]:,.0f}" for q in ("p50", "p95", "p99", "max")),
                ]
            )
    header = [
        "Run",
        "Offered /s",
        "Events",
        "Achieved /s",
        "Visible to",
        "Visible",
        "First hop p50 / p99 ms",
        "End to end p50 / p95 / p99 / max ms",
    ]
    return _table(header, rows)


def checks(results: dict[str, Any]) -> list[str]:
    rows = [
        [name, _n(expected), _n(found), "ok" if expected == found else "**MISMATCH**"]
        for name, (expected, found) in results["checks"].items()
    ]
    return _table(["Reconciliation", "Expected", "Found", ""], rows)


def profiles(results: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for profile in results.get("profiles", []):
        lines.append(f"\n{profile['service']}: {profile['samples']:,} samples (py-spy, 100 Hz)\n")
        rows = [[name, f"{pct:.1f} %"] for name, pct in profile["by_category"]]
        lines += _table(["CPU by where the sample was taken", "Share"], rows)
        lines.append("")
        rows = [[f"`{name}`", f"{pct:.1f} %"] for name, pct in profile["project_pct"]]
        lines += _table(["Project code on the stack (inclusive)", "Share"], rows)
        lines.append("")
        rows = [[f"`{name}`", f"{pct:.1f} %"] for name, pct in profile["self_pct"]]
        lines += _table(["Hottest functions (self)", "Share"], rows)
    return lines


def render(results: dict[str, Any]) -> str:
    m, d = results["machine"], results["dataset"]
    config = results["config"]
    lines = [
        f"Run of {m['date']} on commit {m['commit']}, {results['duration_s']:,.0f} s.",
        f"Machine: {m['nproc']} x {m['cpu']}, {m['memory_gib']} GiB, Linux {m['kernel']}, "
        f"Python {m['python']}, Kafka {m['kafka']} ({m['java']}), aiokafka {m['aiokafka']}, "
        f"SQLite {m['sqlite']}"
        + (f", PostgreSQL {m['postgresql']}" if m.get("postgresql") else "")
        + f"; load average {_load(m['load_average_at_start'])} at start, "
        f"{_load(m.get('load_average_at_end'))} at end.",
        f"Data set: seed {d['seed']}, size {d['size']} ({d['officers']:,} officers in "
        f"{d['municipalities']} municipalities, {d['offerings']:,} offerings, "
        f"{d['enrolments']:,} enrolments in {d['year']}); measured stream: "
        f"{', '.join(config['kinds'])}; services' database: {results['database']}; "
        f"baseline topology: {config['topology']}.",
        "",
        *headline(results),
        "",
        *processes(results),
        "",
        *latency_detail(results),
    ]
    replay = results.get("replay")
    if replay:
        usage = ", ".join(
            f"{name}: {u['cpu_s']:,.0f} CPU s"
            + (f", peak RSS {u['peak_rss_mib'] or u['hwm_mib']} MiB" if u["hwm_mib"] else "")
            for name, u in replay["usage"].items()
        )
        lines += [
            "",
            f"Replay: {replay['facts']:,} facts ({_kinds(replay['kinds'])}), data set "
            f"size {replay['dataset_size']}, published in {replay['publish_s']:,.0f} s; "
            f"rebuilt by {replay['mode']} in {replay['elapsed_s']:,.0f} s "
            f"({replay['replayed']:,} replayed); {usage}.",
        ]
        if replay.get("progress"):
            steps = ", ".join(f"{n:,} at {t:,.0f} s" for t, n in replay["progress"])
            lines.append(f"Replay progress: {steps}.")
    lines += ["", *checks(results), *profiles(results)]
    return "\n".join(lines) + "\n"


def _load(values: Sequence[float] | None) -> str:
    return " / ".join(f"{v:.1f}" for v in values) if values else "-"


def _kinds(kinds: dict[str, int]) -> str:
    return ", ".join(f"{n:,} {kind}" for kind, n in kinds.items())
