"""The load benchmark's figures: a phase summed up, and rounds pooled (bench/load.py)."""

from __future__ import annotations

from collections import Counter

from bench.load_client import Phase
from bench.pages import percentile


def summarize(phase: Phase) -> dict:
    every = [ms for values in phase.latencies.values() for ms in values]
    ok = sum(phase.ok.values())
    rates = [phase.per_second.get(s, 0) for s in range(int(phase.seconds))]
    return {
        "seconds": round(phase.seconds, 2),
        "requests": len(every),
        "ok": ok,
        "rps": round(ok / phase.seconds, 1) if phase.seconds else 0.0,
        "p50_ms": round(percentile(every, 0.50), 1) if every else None,
        "p99_ms": round(percentile(every, 0.99), 1) if every else None,
        "max_ms": round(max(every), 1) if every else None,
        "errors": sum(phase.errors.values()),
        "errors_by_kind": dict(phase.errors),
        "error_samples": phase.samples,
        "per_second_min": min(rates) if rates else None,
        "per_second_max": max(rates) if rates else None,
        "ops": {
            op: {
                "ok": phase.ok[op],
                "p50_ms": round(percentile(v, 0.50), 1),
                "p99_ms": round(percentile(v, 0.99), 1),
            }
            for op, v in phase.latencies.items()
        },
    }


def merged(rounds: list[tuple[Phase, dict]]) -> tuple[Phase, dict]:
    """One phase of several rounds: requests and latencies pooled, CPU summed."""
    whole = Phase()
    for phase, _stats in rounds:
        for op, values in phase.latencies.items():
            whole.latencies.setdefault(op, []).extend(values)
        whole.ok.update(phase.ok)
        whole.errors.update(phase.errors)
        for kind, body in phase.samples.items():
            whole.samples.setdefault(kind, body)
        offset = int(whole.seconds)
        for second, n in phase.per_second.items():
            whole.per_second[offset + second] += n
        whole.acked.update(phase.acked)
        whole.maybe.update(phase.maybe)
        whole.seconds += phase.seconds
    stats = summarize(whole)
    parts = [s for _phase, s in rounds]
    seconds = sum(s["seconds"] for s in parts)
    cpu = {
        k: round(sum(s["cpu"][k] for s in parts), 1)
        for k in ("client_s", "gunicorn_s", "postgres_s", "other_s")
    }
    cpu.update({k.replace("_s", "_cores"): round(v / seconds, 2) for k, v in cpu.items()})
    cpu["machine_busy_pct"] = round(
        sum(s["cpu"]["machine_busy_pct"] * s["seconds"] for s in parts) / seconds, 1
    )
    stats["cpu"] = cpu
    stats["server_cpu_ms_per_request"] = round(
        1000 * (cpu["gunicorn_s"] + cpu["postgres_s"]) / max(stats["requests"], 1), 2
    )
    stats["pg_waits"] = _pooled_waits([s["pg_waits"] for s in parts])
    stats["connections_per_worker"] = [s["connections_per_worker"] for s in parts]
    stats["warmup"] = {k: sum(s["warmup"][k] for s in parts) for k in ("ok", "errors")}
    return whole, stats


def _pooled_waits(rounds: list[dict]) -> dict:
    rounds = [w for w in rounds if w.get("samples")]
    if not rounds:
        return {}
    n = sum(w["samples"] for w in rounds)
    top: Counter = Counter()
    for w in rounds:
        for key, share in w["top"].items():
            top[key] += share * w["samples"]
    return {
        "samples": n,
        "mean_active_backends": round(
            sum(w["mean_active_backends"] * w["samples"] for w in rounds) / n, 2
        ),
        "top": {k: round(v / n, 2) for k, v in top.most_common(8)},
    }
