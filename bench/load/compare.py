"""The figures load.md compares between two results files (this run's and the previous report's)."""
import statistics

CONFIGS = ["bare", "rendered"]


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def headline(res):
    """The figures compared between runs: medians over the runs of one results file."""
    rp, qs = res.get("ramp", []), res.get("queries", [])
    rs = sorted({s["run"] for s in rp})

    def top(cfg, n):
        return max((s["samplesPerSec"] for s in rp if s["config"] == cfg and s["run"] == n and s["keptUp"]), default=0)

    h = {}
    for cfg in CONFIGS:
        h[f"ceiling, {cfg} (samples/s)"] = (med([top(cfg, n) for n in rs]), "{:,.0f}")
    pairs = [(top("bare", n), top("rendered", n)) for n in rs]
    h["ceiling, rendered / bare"] = (med([c / b for b, c in pairs if b and c]), "{:.2f}")
    for key in dict.fromkeys((x["config"], x["path"], x["mix"]) for x in qs):
        xs = [x for x in qs if (x["config"], x["path"], x["mix"]) == key]
        name = " / ".join(key)
        h[f"{name}: queries/s"] = (med([x["throughput"] for x in xs]), "{:.1f}")
        h[f"{name}: p99 ms"] = (med([x["p99"] for x in xs]), "{:,.0f}")
        h[f"{name}: errors (all runs)"] = (sum(x["errors"] for x in xs), "{:,.0f}")
        h[f"{name}: ingestion during load"] = (med([x["isolation"] * 100 for x in xs]), "{:.1f}%")
    rep = res.get("repeat", {}).get("rendered", [])
    if rep:
        h["results cache: cold ms"] = (med([x["coldMs"] for x in rep]), "{:,.0f}")
        h["results cache: warm ms"] = (med([x["warmMedianMs"] for x in rep]), "{:.1f}")
    return h


def change(a, b):
    if a != a or b != b or not a:  # NaN or zero: no ratio
        return "-"
    return f"{b / a:.2f}x"


def comparison_lines(prev, cur, what):
    """One table: the previous results file's medians next to this run's."""
    hp, hc = headline(prev), headline(cur)
    label = lambda res: (  # noqa: E731
        f"{res['date'][:10]}, {res.get('commit', '?')}, Prometheus {res['versions']['prometheus']}, Thanos {res['versions']['thanos']}"
    )
    out = [
        f"| {what} | previous ({label(prev)}) | this run ({label(cur)}) | this / previous |",
        "|---|---:|---:|---:|",
    ]
    for k in [k for k in hc if k in hp]:
        (a, f), (b, _) = hp[k], hc[k]
        out.append(f"| {k} | {f.format(a)} | {f.format(b)} | {change(a, b)} |")
    return out
