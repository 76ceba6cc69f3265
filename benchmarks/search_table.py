"""The table and the summary line of benchmarks/search.py (not run on its own): one row a
figure, each compared with its aim."""

from __future__ import annotations

from harness import report
from harness.files import mb
from harness.report import pct

#: What each engine timed is (benchmarks/search.py's ENGINES).
ENGINE_NAMES = {"tantivy": "search(engine='tantivy'), the default",
                "tantivy-raw": "raw tantivy: the same index and query, top 20 + snippets",
                "fts": "search(engine='fts')",
                "raw": "raw FTS5 MATCH … ORDER BY rank LIMIT 20",
                "whoosh": "search(engine='whoosh') [SUBSET]",
                "tantivy-subset": "search(engine='tantivy') [SUBSET]"}
SUBSET_ENGINES = ("whoosh", "tantivy-subset")

COLUMNS = ("#", "figure", "n", "wall s", "throughput", "p50 / p95 / max", "recall@20",
           "peak RSS", "size", "aim", "notes")
#: The aims the figures are compared with.
AIM_BUILD_SECONDS = 240  # segmentation + FTS5 + tantivy of 1 M clauses on 2 cores
AIM_RSS_BYTES = 1.5e9
AIM_P95_MS = 50  # tantivy, in-process, snippets included
AIM_RECALL = 1.0
AIM_LAYER = 1.5  # search() over raw tantivy at p95: the cost of our layer
AIM_CLI_MS = 500  # the first Chinese query from a cold CLI
AIM_OTHER_CORES = 0.1  # a quiet machine: what other processes may use meanwhile

#: What a class means, where the engines differ.
CLASS_NOTES = {"en-phrase": "a phrase in every engine",
               "zh-compound": "a Chinese run: its bigrams in a row match, jieba words rank",
               "zh-2words": "two Chinese runs, both must match",
               "filter-std": "standard= an edition of the first 20",
               "filter-kind": "kind='clause'"}


def _mb(kb: float) -> str:
    return f"{kb * 1024 / 1e6:,.0f} MB"


def _aim(ok: bool | None, text: str) -> str:
    return "" if ok is None else f"{text}: {'met' if ok else 'MISSED'}"


def _lat(s: dict) -> str:
    return f"{s['p50']:.1f} / {s['p95']:.1f} / {s['max']:.1f} ms" if s["n"] else ""


def _recall(s: dict) -> str:
    if not s.get("recall_n"):
        return ""
    return (f"{100 * s['recall_mean']:.1f} % (min {100 * s['recall_min']:.0f} %, "
            f"{s['recall_below']} < 100 %)")


def _peak(proc: dict) -> float:
    """The peak memory judged against the aim: the largest single process or the sampled
    PSS sum of the process tree, whichever is larger (bytes)."""
    return max(proc["peak_rss_kb"], proc.get("tree_peak_pss_kb", 0)) * 1024


def _proc_note(proc: dict) -> str:
    if not proc.get("tree_peak_rss_kb"):
        return ""
    return (f"tree peak ({proc['tree_peak_processes']} processes): RSS sum "
            f"{_mb(proc['tree_peak_rss_kb'])}, PSS sum {_mb(proc['tree_peak_pss_kb'])}")


def other_loads(res: dict) -> list[tuple[str, float]]:
    """(step, mean cores other processes kept busy during it), for the steps measured."""
    steps = (("generate", ("generate",)), ("load", ("load",)), ("kb index", ("build", "index")),
             ("segmentation", ("build", "segment")), ("subset kb index", ("subset", "index")),
             ("whoosh build", ("subset", "whoosh")), ("queries", ("query_process",)),
             ("recall", ("recall_process",)), ("cli", ("cli_other",)))
    out = []
    for name, path in steps:
        value = res
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, dict) and value.get("other_cores") is not None:
            out.append((name, value["other_cores"]))
    return out


def build_rows(res: dict) -> list[tuple]:
    rows: list[tuple] = []

    def row(*cells):
        rows.append(cells + ("",) * (len(COLUMNS) - len(cells)))

    loads = other_loads(res)
    if loads:
        worst = max(v for _, v in loads)
        row("0", "other processes on the machine", f"{len(loads)} steps", "", "", "", "", "",
            "", _aim(worst < AIM_OTHER_CORES, f"< {AIM_OTHER_CORES} cores in every step"),
            "mean cores busy outside the benchmark during each step (/proc/stat): "
            + ", ".join(f"{name} {v:.2f}" for name, v in loads)
            + ("" if worst < AIM_OTHER_CORES else
               "; the figures of the steps above the aim are not comparable"))

    full_scale = res["clauses"] >= 1_000_000
    g = res.get("generate")
    if g:
        ln = g["lengths"]
        row("1", "generate clauses -> JSONL", f"{g['clauses']:,}", f"{g['seconds']:.1f}",
            f"{g['clauses'] / g['seconds']:,.0f} clauses/s", "", "", "",
            f"{mb(g['bytes']):,.0f} MB file", "",
            f"{g['editions']:,} editions; en {g['en']:,}, zh {g['zh']:,}; median en "
            f"{ln['en_words']['median']:.0f} words ({ln['en_chars']['median']:.0f} chars, max "
            f"{ln['en_chars']['max']:,}), zh {ln['zh_chars']['median']:.0f} chars (max "
            f"{ln['zh_chars']['max']:,}); vocab {g['vocabulary']['en']:,} en + "
            f"{g['vocabulary']['zh']:,} zh, Zipf s={g['vocabulary']['zipf_s']}")
    s = res.get("load")
    if s:
        row("1", "Store.load (1 document/edition)", f"{s['clauses']:,}", f"{s['seconds']:.1f}",
            f"{s['clauses'] / s['seconds']:,.0f} clauses/s", "", "", _mb(s["peak_rss_kb"]),
            f"{mb(s['db_bytes']):,.0f} MB DB", "",
            f"{s['loaded']:,} documents, {s['records']:,} records, {s['failed']} failed; the "
            f"store indexes FTS5 as it writes (kb.text.search.index_texts, one process): FTS5 "
            f"{mb(s['fts_bytes']):,.0f} MB after the load; clauses table "
            f"{mb(s['clauses_bytes']):,.0f} MB")
    b = res.get("build")
    if b:
        x, sizes = b["index"], b["index"]["sizes"]
        t = sizes["tables"]
        part = lambda p: sum(v for k, v in t.items() if k.startswith(p))  # noqa: E731
        tantivy_bytes = sizes["folders"].get("tantivy", 0)
        peak = _peak(x)
        row("1", "build: segment + FTS5 + tantivy (kb index)", f"{x['clauses']:,}",
            f"{x['seconds']:.1f}", f"{x['clauses'] / x['seconds']:,.0f} clauses/s", "", "",
            _mb(x["peak_rss_kb"]),
            f"{mb(sizes['fts_bytes']):,.0f} MB FTS5 + {mb(tantivy_bytes):,.0f} MB tantivy",
            _aim(x["seconds"] < AIM_BUILD_SECONDS if full_scale else None,
                 f"< {AIM_BUILD_SECONDS // 60} min") + ("; " if full_scale else "")
            + _aim(peak < AIM_RSS_BYTES, f"peak < {AIM_RSS_BYTES / 1e9:.1f} GB"),
            f"kb.text.search.rebuild in 1 txn: analyse + FTS5 pending rows + tantivy add "
            f"{x['feed_seconds']:.1f} s, tantivy commit + merge {x['folders_seconds']:.1f} s, "
            f"SQLite commit {x['sqlite_commit_seconds']:.1f} s: tantivy answers after "
            f"{x.get('tantivy_seconds', x['seconds']):.1f} s; then FTS5 filled "
            f"{x.get('fts_fill_seconds', 0):.1f} s; {_proc_note(x)}; "
            f"clauses_fts {mb(part('clauses_fts')):,.0f} MB (content "
            f"{mb(t.get('clauses_fts_content', 0)):,.0f}, index "
            f"{mb(t.get('clauses_fts_data', 0) + t.get('clauses_fts_idx', 0)):,.0f}), "
            f"terms_fts {mb(part('terms_fts')):,.1f} MB ({sizes['method']}); DB "
            f"{mb(x['db_before']):,.0f} -> {mb(sizes['db_bytes']):,.0f} MB")
        sg = b["segment"]
        rate = lambda n, cpu: f"{n / cpu:,.0f}/s" if cpu else "n/a"  # noqa: E731
        row("1", f"  segmentation alone: index_text, fork pool of {sg['workers']}",
            f"{sg['clauses']:,}", f"{sg['seconds']:.1f}",
            f"{sg['clauses'] / sg['seconds']:,.0f} clauses/s", "", "", _mb(sg["peak_rss_kb"]),
            "", "",
            f"every clause (not a sample), read in batches of 500 by the parent; per core: en "
            f"{rate(sg['en'], sg['en_cpu_seconds'])}, zh {rate(sg['zh'], sg['zh_cpu_seconds'])}"
            f" clauses; {100 * sg['seconds'] / x['seconds']:.0f} % of the build's wall time; "
            f"{_proc_note(sg)}")
    sub = res.get("subset")
    if sub:
        p, w = sub["index"], sub["whoosh"]
        whoosh_seconds = w["seconds"] - p["seconds"]
        row("1", f"  kb index [SUBSET {sub['clauses'] // 1000:,}k]", f"{sub['clauses']:,}",
            f"{p['seconds']:.1f}", f"{sub['clauses'] / p['seconds']:,.0f} clauses/s", "", "",
            _mb(p["peak_rss_kb"]),
            f"{mb(p['sizes']['fts_bytes']):,.0f} MB FTS5 + "
            f"{mb(p['sizes']['folders'].get('tantivy', 0)):,.0f} MB tantivy", "",
            f"the same on a copy holding the first {sub['clauses']:,} clauses (copied in "
            f"{sub['copy_seconds']:.1f} s), for scale and for the whoosh queries")
        row("1", f"whoosh build [SUBSET {sub['clauses'] // 1000:,}k]", f"{sub['clauses']:,}",
            f"{whoosh_seconds:.1f}", f"{sub['clauses'] / whoosh_seconds:,.0f} docs/s"
            if whoosh_seconds > 0 else "", "", "", _mb(w["peak_rss_kb"]),
            f"{mb(w['sizes']['folders'].get('whoosh', 0)):,.0f} MB whoosh", "",
            f"SUBSET: first {sub['clauses']:,} of {res['clauses']:,} clauses only; kb index "
            f"--whoosh on the copy took {w['seconds']:.1f} s, minus kb index alone "
            f"{p['seconds']:.1f} s; {_proc_note(w)}")
    elif res.get("whoosh_skipped"):
        row("1", "whoosh build", "", "", "", "", "", "", "", "",
            "skipped (--whoosh-clauses 0): no whoosh index, no whoosh queries")
    st = res.get("stats")
    if st:
        qp = res["query_process"]
        for e, s in st["overall"].items():
            slow = s["slowest"][0] if s["slowest"] else None
            aims = []
            if e == "tantivy":
                aims.append(_aim(s["p95"] < AIM_P95_MS, f"p95 < {AIM_P95_MS} ms"))
            if s["recall_n"]:
                aims.append(_aim(s["recall_mean"] >= AIM_RECALL, "recall 100 %"))
            note = []
            if s["mean_total"] is not None:
                note.append(f"mean matches {s['mean_total']:,.0f}")
            note.append(f"0 hits {s['zero']}, errors {s['errors']}")
            if slow:
                filt = "".join(f" {k}={v}" for k, v in slow["filters"].items())
                note.append(f"slowest #{slow['id']} {slow['query']}{filt} {slow['ms']:.0f} ms")
            if e == "tantivy":
                note.append("peak RSS: the query process, all engines; " + _proc_note(qp))
            row("2", ENGINE_NAMES[e], f"{s['n']} queries", f"{s['sum_ms'] / 1e3:.2f}",
                f"{s['n'] / (s['sum_ms'] / 1e3):,.1f} q/s" if s["n"] else "", _lat(s),
                _recall(s), _mb(qp["peak_rss_kb"]) if e == "tantivy" else "", "",
                "; ".join(a for a in aims if a), "; ".join(note))
        for cls, by_engine in st["classes"].items():
            for e, s in by_engine.items():
                note = []
                if s["mean_total"] is not None:
                    note.append(f"mean matches {s['mean_total']:,.0f}")
                if s["zero"]:
                    note.append(f"0 hits {s['zero']}")
                if s["errors"]:
                    note.append(f"errors {s['errors']}")
                if e == "tantivy" and cls in CLASS_NOTES:
                    note.append(CLASS_NOTES[cls])
                label = e + (" [SUBSET]" if e in SUBSET_ENGINES else "")
                row("2", f"  {cls}: {label}", str(s["n"]), f"{s['sum_ms'] / 1e3:.2f}", "",
                    _lat(s), _recall(s), "", "", "", "; ".join(note))
        for error in st["errors"]:
            ids = error["queries"]
            row("2", f"  error ({error['engine']})", f"{len(ids)} queries", "", "", "", "", "",
                "", "", f"{error['message'][:120]} (#{', #'.join(map(str, ids[:6]))}"
                f"{' …' if len(ids) > 6 else ''})")
        rp = res["recall_process"]
        for e, s in st["overall"].items():
            if not s["recall_n"]:
                continue
            brute = {"tantivy": "tantivy", "tantivy-raw": "tantivy", "fts": "fts", "raw": "fts",
                     "whoosh": "whoosh",
                     "tantivy-subset": "tantivy-subset"}[e]
            ms = [q["brute_ms"][brute] for q in res["queries"] if brute in q.get("brute_ms", {})]
            how = {"tantivy": "Ranking.search's own query with limit = every match (the top-k "
                              "heap never fills: every match scored), no documents read",
                   "fts": "ORDER BY rank over every match, no LIMIT",
                   "whoosh": "Whoosh.search's own query with limit=None"}[brute.split("-")[0]]
            note = [how]
            check = res.get("explain", {}).get(brute)
            if check and check["explained"]:
                note.append(f"tantivy explain() of the brute top 20 ({check['explained']:,} "
                            f"docs) differs by at most {check['max_abs_diff']:.2g}")
            note.append(f"scores of the hits = brute force's except {s['score_mismatches']}; "
                        f"totals equal except {s['total_mismatches']}; ties at the 20th score "
                        f"in {s['ties']} queries")
            row("3", f"recall@20: {ENGINE_NAMES[e]}", f"{s['recall_n']} queries",
                f"{sum(ms) / 1e3:.1f}" if ms else "", "",
                f"{pct(ms, 0.5):.0f} / {pct(ms, 0.95):.0f} / {max(ms):.0f} ms" if ms else "",
                _recall(s), _mb(rp["peak_rss_kb"]) if e == "tantivy" else "", "",
                _aim(s["recall_mean"] >= AIM_RECALL, "100 %"),
                "brute force (its time in the wall/latency columns): " + "; ".join(note))
        layer = st.get("layer")
        if layer:
            row("3", "our layer: search(tantivy) / raw tantivy", f"{layer['n']} queries", "",
                "", f"{layer['p50']:.2f}x / {layer['p95']:.2f}x", "", "", "",
                _aim(layer["p95"] <= AIM_LAYER, f"<= {AIM_LAYER}x at p95"),
                "ratio of the p50s and of the p95s, interleaved query by query; per query "
                f"the ratio's p50 {layer['each_p50']:.2f}x, p95 {layer['each_p95']:.2f}x; by "
                "class (p95): " + ", ".join(f"{c} {v['p95']:.2f}x"
                                            for c, v in layer["classes"].items()))
        for pair, c in st["same_matches"].items():
            a, b = pair.split("/")
            row("3", f"same matches: {a} and {b}", f"{c['equal']} of {c['of']}", "", "", "",
                "", "", "", "", "total matches equal" + ("" if not c["differ"] else
                                                         "; differ: " + ", ".join(
                    f"#{d['id']} {d['query']} {d[a]:,} vs {d[b]:,}" for d in c["differ"][:4])))
        for cls, by_engine in st["classes"].items():
            totals = "; ".join(f"{e} {s['mean_total']:,.0f}" for e, s in by_engine.items()
                               if s["mean_total"] is not None)
            row("3", f"  mean matches: {cls}", str(by_engine["tantivy"]["n"]), "", "", "", "",
                "", "", "", totals)
    cli = res.get("cli")
    if cli:
        for name, c in cli.items():
            aim = _aim(c["ms"] < AIM_CLI_MS, f"< {AIM_CLI_MS / 1e3:.1f} s") \
                if name == "zh" else ""
            note = f"median of {len(c['runs_ms'])}; first (warm-up) run {c['first_ms']:.0f} ms"
            if name.startswith(("zh", "en")):
                note += f"; exit {c['exit']}, {c['lines']} lines"
                if c["exit"]:
                    note += f": {(c['stderr'].splitlines() or [''])[-1][:100]}"
                base = cli["startup"]["ms"]
                note += f"; minus start-up {c['ms'] - base:.0f} ms"
            row("4", c["command"], f"{len(c['runs_ms'])} runs", f"{c['ms'] / 1e3:.2f}", "",
                f"{c['ms']:.0f} ms", "", "", "", aim, note)
    return rows


def format_table(rows: list[tuple]) -> str:
    return report.format_table(COLUMNS, rows, {2, 3, 5, 6, 7, 8})


def summary_line(res: dict) -> str:
    parts = []
    b = res.get("build")
    if b:
        x = b["index"]
        parts.append(f"kb index (segment + FTS5 + tantivy) {x['seconds']:.0f} s "
                     f"(aim < {AIM_BUILD_SECONDS} s), peak {_peak(x) / 1e6:,.0f} MB; "
                     f"segmentation alone {b['segment']['seconds']:.0f} s")
    if res.get("subset"):
        sub = res["subset"]
        parts.append(f"whoosh build {sub['whoosh']['seconds'] - sub['index']['seconds']:.0f} s "
                     f"for a SUBSET of {sub['clauses']:,} clauses")
    st = res.get("stats")
    if st:
        o = st["overall"]
        parts.append("p50/p95 " + ", ".join(
            f"{e} {o[e]['p50']:.1f}/{o[e]['p95']:.1f} ms" for e in o if o[e]["n"]))
        parts.append("recall@20 " + ", ".join(
            f"{e} {100 * o[e]['recall_mean']:.1f} %" for e in o if o[e]["recall_n"]))
        if st.get("layer"):
            parts.append(f"search()/raw tantivy p50 {st['layer']['p50']:.2f}x, p95 "
                         f"{st['layer']['p95']:.2f}x (aim <= {AIM_LAYER}x)")
        if st["errors"]:
            parts.append(f"ERRORS on {sum(len(e['queries']) for e in st['errors'])} runs")
    if res.get("cli"):
        parts.append(f"cold kb search 审核方案 {res['cli']['zh']['ms']:.0f} ms "
                     f"(start-up {res['cli']['startup']['ms']:.0f} ms)")
    loads = other_loads(res)
    if loads:
        name, worst = max(loads, key=lambda item: item[1])
        parts.append(f"other processes at most {worst:.2f} cores ({name})"
                     + ("" if worst < AIM_OTHER_CORES else ": NOT a quiet machine"))
    return f"summary ({res['clauses']:,} clauses): " + "; ".join(parts)
