"""Turn docs/benchmarks/load-results.json into docs/benchmarks/load.md with PNG plots."""
import json
import pathlib
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from compare import comparison_lines  # noqa: E402

root = pathlib.Path(__file__).resolve().parents[2]
out = root / "docs" / "benchmarks"
r = json.loads((out / "load-results.json").read_text())
variants_file = out / "load-variants.json"
v = json.loads(variants_file.read_text()) if variants_file.exists() else None
overlimit_file = out / "load-overlimit.json"
o = json.loads(overlimit_file.read_text()) if overlimit_file.exists() else None
ramp = r["ramp"]
p = r["params"]
configs = ["bare", "rendered"]
colors = {"bare": "tab:gray", "rendered": "tab:blue"}
runs = sorted({s["run"] for s in ramp})
intervals = p["intervalsS"]


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def spread(xs, f=lambda x: f"{x:,.0f}"):
    """median [min, max]"""
    return f"{f(med(xs))} [{f(min(xs))}, {f(max(xs))}]" if xs else "-"


def at(cfg, interval):
    return [s for s in ramp if s["config"] == cfg and s["intervalS"] == interval]


def ceiling(cfg, run):
    ok = [s["samplesPerSec"] for s in ramp if s["config"] == cfg and s["run"] == run and s["keptUp"]]
    return max(ok, default=0)


def fmt(n, d=0):
    return f"{n:,.{d}f}"


def ramp_plots():
    # 1. Ingestion: achieved vs offered, median and range of the runs.
    fig, ax = plt.subplots(figsize=(7, 4.5))
    offered = [at("bare", i)[0]["offered"] for i in intervals]
    ax.plot([o / 1e3 for o in offered], [o / 1e3 for o in offered], "k:", label="offered")
    for cfg in configs:
        ys = [[s["samplesPerSec"] / 1e3 for s in at(cfg, i)] for i in intervals]
        m = [med(y) for y in ys]
        ax.errorbar(
            [o / 1e3 for o in offered],
            m,
            yerr=[[a - min(y) for a, y in zip(m, ys)], [max(y) - a for a, y in zip(m, ys)]],
            fmt="o-",
            capsize=3,
            color=colors[cfg],
            label=f"{cfg} achieved (median, min-max of {len(runs)})",
        )
    ax.set_xlabel("offered samples/s (thousands)")
    ax.set_ylabel("ingested samples/s (thousands)")
    ax.set_title(f"Ingestion at {p['series']:,} active series")
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "load-ingestion.png", dpi=110)

    # 2. Cost per step: CPU and scrape duration (medians).
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4))
    xs = [o / 1e3 for o in offered]
    for cfg in configs:
        a1.plot(xs, [med([s["cpuCores"] for s in at(cfg, i)]) for i in intervals], "o-", color=colors[cfg], label=cfg)
        a2.plot(xs, [med([s["scrapeMaxS"] for s in at(cfg, i)]) for i in intervals], "o-", color=colors[cfg], label=f"{cfg} max")
        a2.plot(xs, [med([s["scrapeAvgS"] for s in at(cfg, i)]) for i in intervals], "o--", color=colors[cfg], alpha=0.6, label=f"{cfg} avg")
    a2.plot(xs, intervals, "k:", label="scrape interval")
    a1.set_title("Prometheus CPU (cores, median)")
    a2.set_title("scrape duration (s, median)")
    for a in (a1, a2):
        a.set_xlabel("offered samples/s (thousands)")
        a.grid(alpha=0.3)
        a.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "load-cost.png", dpi=110)


if ramp:
    ramp_plots()

q = r.get("queries", [])
if q:
    # 3. Queries: one group per (config, path, mix).
    groups = []
    for x in q:
        key = (x["config"], x["path"], x["mix"])
        if key not in groups:
            groups.append(key)


    def of(key):
        return [x for x in q if (x["config"], x["path"], x["mix"]) == key]


    label = {
        ("bare", "direct", "series"): "bare, direct\n(series)",
        ("rendered", "query-frontend", "series"): "rendered, frontend\n(series)",
        ("rendered", "query-frontend", "health"): "rendered, frontend\n(health)",
        ("rendered", "direct", "health"): "rendered, direct\n(health)",
    }
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(11, 4.5))
    names = [label.get(k, " / ".join(k)) for k in groups]
    a1.bar(names, [med([x["throughput"] for x in of(k)]) for k in groups], color=["tab:gray" if k[0] == "bare" else "tab:blue" for k in groups])
    a1.set_title(f"queries/s (median of {len(runs) or p['repeat']}), {p['clients']} clients")
    w = 0.35
    a2.bar([i - w / 2 for i in range(len(groups))], [med([x["p50"] for x in of(k)]) for k in groups], w, label="p50")
    a2.bar([i + w / 2 for i in range(len(groups))], [med([x["p99"] for x in of(k)]) for k in groups], w, label="p99")
    a2.set_xticks(range(len(groups)), names)
    a2.set_yscale("log")
    a2.set_title("latency (ms, median of runs, log scale)")
    a2.legend()
    for a in (a1, a2):
        a.tick_params(axis="x", labelsize=8)
    fig.tight_layout()
    fig.savefig(out / "load-queries.png", dpi=110)

def step_table(first, rows):
    """One table row per (label, interval, the runs' steps at it): the ramp's and the versions phase's."""
    out = [
        f"| {first} | interval | offered/s | ingested/s | CPU cores | RSS GiB | scrape avg s | scrape max s | kept up |",
        "|---|---:|---:|---:|---:|---:|---:|---:|:---:|",
    ]
    for label, i, ss in rows:
        kept = sum(s["keptUp"] for s in ss)
        out.append(
            f"| {label} | {i} s | {fmt(ss[0]['offered'])} | {spread([s['samplesPerSec'] for s in ss])} | "
            f"{spread([s['cpuCores'] for s in ss], lambda x: f'{x:.2f}')} | {med([s['rssBytes'] for s in ss]) / 2**30:.2f} | "
            f"{med([s['scrapeAvgS'] for s in ss]):.3f} | {spread([s['scrapeMaxS'] for s in ss], lambda x: f'{x:.2f}')} | "
            + (f"{kept} of {len(ss)}" if kept == len(ss) else f"**{kept} of {len(ss)}**")
            + " |"
        )
    return out


def ramp_lines():
    out = [
        "## Ingestion ceiling",
        "",
        "![ingestion](load-ingestion.png)",
        "",
        *step_table("config", [(cfg, i, at(cfg, i)) for cfg in configs for i in intervals]),
    ]
    cb = [ceiling("bare", n) for n in runs]
    cr = [ceiling("rendered", n) for n in runs]

    def per_run(cfg, c, n):
        if c:
            return f"{cfg} {fmt(c)}"
        first = min((s for s in ramp if s["config"] == cfg and s["run"] == n), key=lambda s: s["offered"])
        return (
            f"{cfg} **kept up at no step** (at {first['intervalS']} s: {fmt(first['samplesPerSec'])} of {fmt(first['offered'])}, "
            f"slowest scrape {first['scrapeMaxS']:.1f} s)"
        )

    both = [(b, c) for b, c in zip(cb, cr) if b and c]
    ratios = [c / b for b, c in both]
    return out + [
        "",
        "Highest rate kept up, per run: "
        + "; ".join(f"run {n}: {per_run('bare', b, n)}, {per_run('rendered', c, n)}" for n, b, c in zip(runs, cb, cr))
        + f". Over the runs where both kept up at a step ({len(both)} of {len(runs)}): bare **{spread([b for b, _ in both])}**, "
        f"rendered **{spread([c for _, c in both])}** samples/s; ratio rendered / bare per run **{spread(ratios, lambda x: f'{x:.2f}')}**.",
        "",
        "![cost](load-cost.png)",
        "",
    ]


flags = lambda xs: " ".join(xs)  # noqa: E731
lines = [
    "# Load benchmarks (PRD 12.3)",
    "",
    f"Measured {r['date'][:10]} on this machine ({r['machine']['cpus']} cores, {r['machine']['memGiB']} GiB, {r['machine']['cpuModel']}), "
    f"Prometheus {r['versions']['prometheus']}, Thanos {r['versions']['thanos']}, commit {r.get('commit', '?')}, in one run"
    + (f" of {r['durationS'] // 60} min" if "durationS" in r else " (ended early: results up to its last completed phase)")
    + f"; every measurement {p['repeat']} times, reported as median [min, max]. "
    + (
        "Each side runs on a core of its own (ingestion: Prometheus, its sidecar, the scraped targets; queries: Thanos query, "
        "query-frontend, clients), so absolute numbers are those of one core per role; the comparisons are what matter."
        if p.get("pinning")
        else "Everything shares the machine's cores, so absolute numbers are lower than on a cluster node; the comparisons are what matter."
    ),
    "",
    "Reproduce (writes `load-results.json`, then this file and the plots; `LOAD_PHASES=variants` writes `load-variants.json`, `LOAD_PHASES=overlimit` `load-overlimit.json`):",
    "",
    "```sh",
    "make bench-load",
    "# = node --import tsx bench/load/load.ts && bench/.venv/bin/python bench/load/report.py",
    "```",
    "",
    "Load: avalanche is not obtainable here (module proxy 403, no Debian package), so a local server serves static "
    f"exposition: {p['targets']} targets x {p['series'] // p['targets']:,} series = **{p['series']:,} active series**. "
    f"The rate is raised by shortening the scrape interval ({', '.join(str(i) + ' s' for i in intervals)}); each step settles "
    f"{p['settleS']} s and is measured over {p['windowS']} s. *Kept up* = ingested >= 95% of offered and the slowest scrape shorter "
    "than the interval. Runs alternate which configuration goes first.",
    "",
    "- **bare**: `prometheus --config.file=... --web.enable-lifecycle` (defaults otherwise), queried directly.",
    "- **rendered**: dev's Prometheus as prometheus-operator generates it from dist (one replica; the load is a ScrapeConfig it "
    "selects; interval changes go through the ScrapeConfig, the operator and the config reloader), run with its sidecar, Thanos "
    "query and query-frontend by the local runner (`tools/runner/`) from what the operator generated"
    + (
        ". Prometheus: `"
        + flags(r["renderedFlags"])
        + "`; sidecar: `"
        + flags(a for a in r.get("sidecarArgs", []) if not a.startswith("--objstore"))
        + "`; query: `"
        + flags(a for a in r["queryArgs"] if "tls" not in a)
        + "`; query-frontend: `"
        + flags(a for a in r["frontendArgs"] if "tripper" not in a and "cache-config" not in a)
        if "renderedFlags" in r
        else " (its arguments: dist/dev at that commit)"
    )
    + ". Queries go through the query-frontend -> query -> sidecar (mutual TLS), as Grafana's do.",
    "",
    "",
]
if ramp:
    lines += ramp_lines()
if not q:
    lines += ["## Queries and isolation", "", "Not in this run's results (see the hand-written section below).", ""]
if q:
    lines += [
        "## Queries and isolation",
        "",
        f"{p['clients']} concurrent clients for {p['loadSeconds']} s while Prometheus ingests at a {p['queryIntervalS']} s interval "
        f"({fmt((p['series'] + 5 * p['targets']) / p['queryIntervalS'])} samples/s offered), two mixes:",
        "",
        f"- **series**: half instant, half 10-minute range queries (step 15 s, aligned as Grafana aligns them), each summing one target's "
        f"{p['series'] // p['targets']:,} raw series: the worst case a dashboard can ask, every sample through the path.",
        "- **health**: the panels of the *Prometheus & Thanos Health* dashboard as Grafana sends them (stat panels instant, graphs as "
        "6-hour range queries at a 30 s step, variables at All), against the same Prometheus directly and through the query path.",
        "",
        "*Isolation* = ingestion during the load / ingestion in the 20 s before it. Errors are requests not answered 200 within the "
        "clients' 30 s. "
        + (
            f"Ingestion (Prometheus, its sidecar and reloader, the scraped targets) runs on CPU {p['pinning']['ingestion']}, the query side "
            f"(the clients, Thanos query and query-frontend) on CPU {p['pinning']['query']} (`taskset`, through the runner), for both paths."
            if p.get("pinning")
            else "Everything shares the machine's cores."
        ),
        "",
        "![queries](load-queries.png)",
        "",
        "| config | path | mix | queries/s | errors | p50 ms | p99 ms | instant p50 | range p50 | ingestion during load | CPU cores during load | sidecar RSS MiB |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for k in groups:
        xs = of(k)
        cores = {}
        for x in xs:
            for proc, c in x.get("cpuCores", {}).items():
                cores.setdefault(proc, []).append(c)
        lines.append(
            f"| {k[0]} | {k[1]} | {k[2]} | {spread([x['throughput'] for x in xs], lambda v: f'{v:.1f}')} | "
            f"{' / '.join(str(x['errors']) for x in xs)} | {spread([x['p50'] for x in xs])} | {spread([x['p99'] for x in xs])} | "
            f"{med([x['instantP50'] for x in xs]):,.0f} | {med([x['rangeP50'] for x in xs]):,.0f} | "
            f"**{spread([x['isolation'] * 100 for x in xs], lambda v: f'{v:.1f}%')}** | "
            + ", ".join(f"{proc} {med(c):.2f}" for proc, c in cores.items())
            + " | "
            + (f"{med([x['rssMiB']['sidecar'] for x in xs]):.0f}" if "sidecar" in xs[0].get("rssMiB", {}) else "-")
            + " |"
        )


    def ratio_line(a_key, b_key, what):
        a, b = of(a_key), of(b_key)
        if not a or not b:
            return []
        return [
            f"- {what}: throughput {med([x['throughput'] for x in a]) / med([x['throughput'] for x in b]):.2f}, "
            f"p50 {med([x['p50'] for x in a]) / med([x['p50'] for x in b]):.2f}, p99 {med([x['p99'] for x in a]) / med([x['p99'] for x in b]):.2f}; "
            f"errors {sum(x['errors'] for x in a)} against {sum(x['errors'] for x in b)}."
        ]


    rep = r["repeat"]
    rc = [x["coldMs"] for x in rep["rendered"]]
    rw = [x["warmMedianMs"] for x in rep["rendered"]]
    lines += ["", "Ratios (medians), path / direct:"]
    lines += ratio_line(("rendered", "query-frontend", "series"), ("bare", "direct", "series"), "series mix, rendered through the frontend / bare direct")
    lines += ratio_line(("rendered", "query-frontend", "health"), ("rendered", "direct", "health"), "health mix, through the frontend / the same Prometheus direct")
    lines += [
        "",
        "Repeated 30-minute range query of the series mix (after the load), cold then median of 10 repeats: "
        f"query-frontend {spread(rc)} ms -> {spread(rw, lambda x: f'{x:.1f}')} ms (results cache); "
        f"bare Prometheus {spread([x['coldMs'] for x in rep['bare']])} ms -> {spread([x['warmMedianMs'] for x in rep['bare']], lambda x: f'{x:.1f}')} ms.",
        "",
    ]
    ol = r.get("overLimit")
    if ol:
        rb, rr = ol["bare"], ol["rendered"]
        lines += [
            f"A query over all {p['series']:,} series (`count(bench_series)`, a mistaken panel): bare Prometheus answers "
            f"(HTTP {', '.join(sorted({str(x['status']) for x in rb}))}) in {spread([x['ms'] for x in rb])} ms; through the query path "
            f"HTTP {', '.join(sorted({str(x['status']) for x in rr}))} in {spread([x['ms'] for x in rr])} ms"
            + (f": `{rr[0]['error']}`" if rr[0]["error"] else "")
            + ".",
            "",
        ]
prof = r.get("profile")
if prof:
    lines += [
        "## Where one query's time goes",
        "",
        "The series mix's queries one at a time (5 each, distinct ranges so nothing is cached) on the rendered stack with ingestion "
        "running: median latency and CPU seconds per query of each role, its idle rate subtracted.",
        "",
        "| way | query | median ms | Prometheus CPU s | sidecar CPU s | thanos-query CPU s |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for x in prof["perQuery"]:
        c = x["cpuSecondsPerQuery"]
        lines.append(
            f"| {x['way']} | {x['query']} | {x['medianMs']:,.0f} | {c['prometheus']:.3f} | {c['sidecar']:.3f} | {c['query']:.3f} |"
        )
    lines += [
        "",
        f"Idle (ingestion only): Prometheus {prof['idleCores']['prometheus']:.2f} cores. CPU profiles over 20 s while range queries run "
        "one after another through Thanos (`go tool pprof -top`): [Prometheus](profiles/prometheus.txt), "
        "[sidecar](profiles/sidecar.txt), [thanos-query](profiles/thanos-query.txt).",
        "",
    ]
if v:
    lines += [
        "## One change at a time (the series mix through the query path)",
        "",
        f"Measured {v['date'][:10]} (commit {v.get('commit', '?')}, one run each, {v['durationS'] // 60} min), each change alone against the "
        "configuration as rendered then, same harness and load as above.",
        "",
        "| change | queries/s | errors | p50 ms | p99 ms | ingestion during load | sidecar cores | Prometheus cores | query cores | sidecar RSS MiB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for x in v["variants"]:
        c = x.get("cpuCores", {})
        lines.append(
            f"| {x['config']} | {x['throughput']:.1f} | {x['errors']} | {x['p50']:,.0f} | {x['p99']:,.0f} | {x['isolation'] * 100:.1f}% | "
            f"{c.get('sidecar', float('nan')):.2f} | {c.get('prometheus', float('nan')):.2f} | {c.get('query', float('nan')):.2f} | "
            + (f"{x['rssMiB']['sidecar']:.0f} |" if "rssMiB" in x else "- |")
        )
    lines += [""]
if o:
    lines += [
        "## Over-limit query, per setting",
        "",
        f"Measured {o['date'][:10]} (commit {o.get('commit', '?')}, `LOAD_PHASES=overlimit`, one run each, {o['durationS'] // 60} min): "
        f"`count(bench_series)` over all {o['params']['series']:,} series through the query-frontend, alone, at "
        f"{fmt((o['params']['series'] + 5 * o['params']['targets']) / o['params']['queryIntervalS'])} samples/s offered; the client waits "
        "up to 150 s. *Attempts*: requests the query replicas received for it. *After*: CPU cores in the 30 s after the answer.",
        "",
        "| setting | HTTP | after s | what the client was told | attempts | sidecar RSS MiB, before -> peak (limit) | ingestion during | cores during: sidecar / Prometheus / query | cores after: sidecar / Prometheus / query |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for x in o["overLimit"]:
        told = "; ".join(t for t in [x["error"], *x["warnings"]] if t).replace("|", "\\|") or "(nothing: a result without a warning)"
        d, a = x["cpuCoresDuring"], x["cpuCoresAfter"]
        lines.append(
            f"| {x['config']} | {x['status']} | {x['ms'] / 1000:.1f} | `{told[:220]}` | {x['queryAttempts']:.0f} | "
            f"{x['sidecarRssBeforeMiB']:.0f} -> {x['sidecarRssPeakMiB']:.0f} ({x['sidecarMemoryLimitMiB']:.0f}) | {x['isolation'] * 100:.1f}% | "
            f"{d['sidecar']:.2f} / {d['prometheus']:.2f} / {d['query']:.2f} | {a['sidecar']:.2f} / {a['prometheus']:.2f} / {a['query']:.2f} |"
        )
    lines += [""]
    previous_o = out / "load-overlimit.previous.json"
    if previous_o.exists():
        po = json.loads(previous_o.read_text())
        by = {x["config"]: x for x in po["overLimit"]}
        lines += [
            f"Against the previous over-limit run ({po['date'][:10]}, {po.get('commit', '?')}, Thanos {po['versions']['thanos']}; "
            f"`load-overlimit.previous.json`): HTTP, seconds to the answer, sidecar RSS peak MiB, ingestion during.",
            "",
            "| setting | previous | this run |",
            "|---|---|---|",
        ]
        fig = lambda x: f"{x['status']}, {x['ms'] / 1000:.1f} s, {x['sidecarRssPeakMiB']:.0f} MiB, {x['isolation'] * 100:.1f}%"  # noqa: E731
        for x in o["overLimit"]:
            lines.append(f"| {x['config']} | {fig(by[x['config']]) if x['config'] in by else '-'} | {fig(x)} |")
        lines += [""]

versions_file = out / "load-versions.json"
if versions_file.exists():
    vr = json.loads(versions_file.read_text())
    vs = vr["ramp"]
    lines += [
        "## Two Prometheus releases in one run",
        "",
        f"Measured {vr['date'][:10]} (commit {vr.get('commit', '?')}, `LOAD_PHASES=versions`, {vr['durationS'] // 60} min): bare Prometheus "
        f"{' and '.join(vr['releases'])}, each ramped {vr['params']['repeat']} times, alternating which goes first, same load and core. "
        "Medians [min, max] of the runs.",
        "",
        *step_table(
            "release",
            [
                (rel, i, [s for s in vs if s["config"] == rel and s["intervalS"] == i])
                for i in vr["params"]["intervalsS"]
                for rel in vr["releases"]
            ],
        ),
        "",
    ]

previous_file = out / "load-results.previous.json"
if previous_file.exists():
    prev = json.loads(previous_file.read_text())
    lines += [
        "## Against the previous run",
        "",
        "The same harness and load on the previous pins (`load-results.previous.json`, the results this report showed before), "
        "medians of each run's figures. A ratio is only a change where it is outside the spread of the runs above.",
        "",
        *comparison_lines(prev, r, "median"),
        "",
    ]
    changed = [(c, prev["versions"].get(c), r["versions"].get(c)) for c in r["versions"]]
    lines += ["Versions: " + ", ".join(f"{c} {a} -> {b}" if a != b else f"{c} {a} (unchanged)" for c, a, b in changed) + ".", ""]
# Hand-written sections after the generated ones (what limits the path, synth time) are kept.
previous = (out / "load.md").read_text() if (out / "load.md").exists() else ""
marks = [previous.index(m) for m in ("\n## What limits the query path", "\n## Synth time") if m in previous]
kept = previous[min(marks) :] if marks else ""
(out / "load.md").write_text("\n".join(lines) + "\n" + kept)
print(f"wrote {out / 'load.md'}", file=sys.stderr)
