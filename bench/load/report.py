"""Turn docs/benchmarks/load-results.json into docs/benchmarks/load.md with PNG plots."""
import json
import pathlib
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

root = pathlib.Path(__file__).resolve().parents[2]
out = root / "docs" / "benchmarks"
r = json.loads((out / "load-results.json").read_text())
ramp = r["ramp"]
configs = ["bare", "rendered"]
colors = {"bare": "tab:gray", "rendered": "tab:blue"}


def steps(cfg):
    return [s for s in ramp if s["config"] == cfg]


# 1. Ingestion: achieved vs offered.
fig, ax = plt.subplots(figsize=(7, 4.5))
offered = [s["offered"] for s in steps("bare")]
ax.plot([o / 1e3 for o in offered], [o / 1e3 for o in offered], "k:", label="offered")
for cfg in configs:
    ax.plot([s["offered"] / 1e3 for s in steps(cfg)], [s["samplesPerSec"] / 1e3 for s in steps(cfg)], "o-", color=colors[cfg], label=f"{cfg} achieved")
ax.set_xlabel("offered samples/s (thousands)")
ax.set_ylabel("ingested samples/s (thousands)")
ax.set_title(f"Ingestion at {r['params']['series']:,} active series")
ax.grid(alpha=0.3)
ax.legend()
fig.tight_layout()
fig.savefig(out / "load-ingestion.png", dpi=110)

# 2. Cost per step: CPU and scrape duration.
fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
for cfg in configs:
    xs = [s["offered"] / 1e3 for s in steps(cfg)]
    a1.plot(xs, [s["cpuCores"] for s in steps(cfg)], "o-", color=colors[cfg], label=cfg)
    a2.plot(xs, [s["scrapeMaxS"] for s in steps(cfg)], "o-", color=colors[cfg], label=f"{cfg} max")
    a2.plot(xs, [s["scrapeAvgS"] for s in steps(cfg)], "o--", color=colors[cfg], alpha=0.6, label=f"{cfg} avg")
a2.plot(xs, [s["intervalS"] for s in steps("bare")], "k:", label="scrape interval")
a1.set_title("Prometheus CPU (cores)")
a2.set_title("scrape duration (s)")
for a in (a1, a2):
    a.set_xlabel("offered samples/s (thousands)")
    a.grid(alpha=0.3)
    a.legend(fontsize=8)
fig.tight_layout()
fig.savefig(out / "load-cost.png", dpi=110)

# 3. Queries.
q = r["queries"]
fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
names = ["bare\n(direct)", "rendered\n(frontend)"]
a1.bar(names, [x["throughput"] for x in q], color=[colors["bare"], colors["rendered"]])
a1.set_title(f"queries/s, {r['params']['clients']} clients")
w = 0.35
a2.bar([i - w / 2 for i in range(2)], [x["p50"] for x in q], w, label="p50")
a2.bar([i + w / 2 for i in range(2)], [x["p99"] for x in q], w, label="p99")
a2.set_xticks(range(2), names)
a2.set_title("latency (ms)")
a2.legend()
fig.tight_layout()
fig.savefig(out / "load-queries.png", dpi=110)


def fmt(n, d=0):
    return f"{n:,.{d}f}"


def ceiling(cfg):
    ok = [s for s in steps(cfg) if s["keptUp"]]
    return max((s["samplesPerSec"] for s in ok), default=0)


p = r["params"]
lines = [
    "# Load benchmarks (PRD 12.3)",
    "",
    f"Measured {r['date'][:10]} on this machine ({r['machine']['cpus']} cores, {r['machine']['memGiB']} GiB, {r['machine']['cpuModel']}), "
    f"Prometheus {r['versions']['prometheus']}, Thanos {r['versions']['thanos']}, all in one run ({r['durationS']} s). "
    + (
        "Each side runs on a core of its own (ingestion: Prometheus, sidecar, the scraped targets; queries: Thanos query, "
        "query-frontend, clients), so absolute numbers are those of one core per role; the comparisons are what matter."
        if r["params"].get("pinning")
        else "Everything shares the machine's cores, so absolute numbers are lower than on a cluster node; the comparisons are what matter."
    ),
    "",
    "Reproduce (writes `load-results.json`, then this file and the plots):",
    "",
    "```sh",
    "make bench-load",
    "# = node --import tsx bench/load/load.ts && bench/.venv/bin/python bench/load/report.py",
    "```",
    "",
    "Load: avalanche is not obtainable here (module proxy 403, no Debian package), so a local server serves static "
    f"exposition: {p['targets']} targets x {p['series'] // p['targets']:,} series = **{p['series']:,} active series**. "
    f"The rate is raised by shortening the scrape interval ({', '.join(str(i) + ' s' for i in p['intervalsS'])}); each step settles "
    f"{p['settleS']} s and is measured over {p['windowS']} s. *Kept up* = ingested >= 95% of offered and the slowest scrape shorter than the interval.",
    "",
    "- **bare**: `prometheus --config.file=... --web.enable-lifecycle` (defaults otherwise), queried directly.",
    "- **rendered**: dev's Prometheus as prometheus-operator generates it from dist (one replica; the load is a ScrapeConfig it "
    "selects; interval changes go through the ScrapeConfig, the operator and the config reloader), run with its sidecar, Thanos "
    "query and query-frontend by the local runner (`tools/runner/`) from what the operator generated. Its container args: `"
    + " ".join(r["renderedFlags"])
    + "`; queries go through the query-frontend -> query -> sidecar (mutual TLS), as Grafana's do.",
    "",
    "## Ingestion ceiling",
    "",
    "![ingestion](load-ingestion.png)",
    "",
    "| config | interval | offered/s | ingested/s | CPU cores | RSS GiB | bytes/series | scrape avg s | scrape max s | kept up |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|:---:|",
]
for s in ramp:
    lines.append(
        f"| {s['config']} | {s['intervalS']} s | {fmt(s['offered'])} | {fmt(s['samplesPerSec'])} | {s['cpuCores']:.2f} | "
        f"{s['rssBytes'] / 2**30:.2f} | {fmt(s['bytesPerSeries'])} | {s['scrapeAvgS']:.3f} | {s['scrapeMaxS']:.3f} | {'yes' if s['keptUp'] else '**no**'} |"
    )
lines += [
    "",
    f"Highest rate kept up: bare **{fmt(ceiling('bare'))}** samples/s, rendered **{fmt(ceiling('rendered'))}** samples/s "
    f"(ratio {ceiling('rendered') / max(ceiling('bare'), 1):.2f}).",
    "",
    "![cost](load-cost.png)",
    "",
    "## Queries and isolation",
    "",
    f"{p['clients']} concurrent clients for {p['loadSeconds']} s, half instant and half 10-minute range queries (step 15 s, "
    f"aligned as Grafana aligns them), each over one target's {p['series'] // p['targets']:,} series, while Prometheus ingests at a "
    f"{p['queryIntervalS']} s interval ({fmt((p['series'] + 5 * p['targets']) / p['queryIntervalS'])} samples/s offered). "
    "*Isolation* = ingestion during the load / ingestion in the 20 s before it. "
    + (
        f"Each side has its own core, as on separate nodes: ingestion (Prometheus, its sidecar and reloader, the scraped targets) "
        f"on CPU {p['pinning']['ingestion']}, the query side (the clients, and for the rendered path Thanos query and query-frontend) "
        f"on CPU {p['pinning']['query']} (`taskset`, through the runner)."
        if p.get("pinning")
        else "Everything shares the machine's cores; the query side runs at nice 19."
    ),
    "",
    "![queries](load-queries.png)",
    "",
    "| path | completed | errors | queries/s | p50 ms | p99 ms | instant p50 | range p50 | ingestion during load | slowest scrape s |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
]
for x in q:
    lines.append(
        f"| {x['config']} | {x['completed']} | {x['errors']} | {x['throughput']:.1f} | {x['p50']:.0f} | {x['p99']:.0f} | {x['instantP50']:.0f} | "
        f"{x['rangeP50']:.0f} | **{x['isolation'] * 100:.1f}%** | {x['scrapeMaxDuringS']:.2f} |"
    )
b, rd = q
rep = r["repeat"]
lines += [
    "",
    f"Ratios rendered / bare: throughput {rd['throughput'] / b['throughput']:.2f}, p50 {rd['p50'] / b['p50']:.2f}, p99 {rd['p99'] / b['p99']:.2f}.",
    "",
    "Repeated 30-minute range query (no other load), cold then median of 10 repeats: "
    f"query-frontend {rep['rendered']['coldMs']:.0f} ms -> {rep['rendered']['warmMedianMs']:.1f} ms "
    f"(**{rep['rendered']['coldMs'] / rep['rendered']['warmMedianMs']:.1f}x** from the results cache); "
    f"direct Prometheus {rep['bare']['coldMs']:.0f} ms -> {rep['bare']['warmMedianMs']:.1f} ms.",
    "",
]
# What the figures say, against the targets (PRD 12.3 / the load issue).
iso_ok = rd["isolation"] >= 0.99
lines += [
    "## Reading the results",
    "",
    f"- **Ingestion.** Both configurations ingest {fmt(min(ceiling('bare'), ceiling('rendered')))} samples/s at 1M series with every "
    f"scrape shorter than its interval. At the top step Prometheus uses up to {max(x['cpuCores'] for x in ramp):.1f} of "
    f"{'its one core' if p.get('pinning') else str(r['machine']['cpus']) + ' cores'}, "
    "the machine is near saturation and "
    "the outcome at the edge changes from run to run; the generated configuration (retention, block size, HTTPS, query limits, "
    "the sidecar beside it) adds little to the ingest path, so the two ceilings differ mostly by noise.",
    f"- **Isolation** (target >= 99%): rendered {rd['isolation'] * 100:.1f}% ({'met' if iso_ok else 'not met'}), bare "
    f"{b['isolation'] * 100:.1f}% with scrapes stretched to {b['scrapeMaxDuringS']:.1f} s. The rendered Prometheus accepts at most "
    "`queryLimits.remoteReadConcurrency` reads for Thanos and `maxConcurrency` PromQL queries; the rest queue upstream.",
    f"- **Answering under that load**: the rendered path completed {rd['completed']} queries ({rd['throughput']:.1f}/s) and "
    f"{rd['errors']} requests failed{' (most timed out at 30 s)' if rd['errors'] else ''}, against {b['throughput']:.1f}/s direct. "
    "The query side has one core of its own (Thanos query, the frontend and the 100 clients share it) and each query "
    "pulls 10,000 raw series through the sidecar, which runs on the ingestion core beside Prometheus.",
    f"- **Cache.** A repeated range query through the frontend is {rep['rendered']['coldMs'] / rep['rendered']['warmMedianMs']:.1f}x "
    "faster than its first run (results cache); the first run pays the sidecar path (raw samples over mutual-TLS gRPC).",
    "",
]
# Sections written by hand after the generated ones (e.g. "Synth time" from `make bench`) are kept.
previous = (out / "load.md").read_text() if (out / "load.md").exists() else ""
kept = previous[previous.index("\n## Synth time") :] if "\n## Synth time" in previous else ""
(out / "load.md").write_text("\n".join(lines) + "\n" + kept)
print(f"wrote {out / 'load.md'}", file=sys.stderr)
