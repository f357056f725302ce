"""`python -m benchmarks.report`: write the figures tables of docs/ from the committed JSON.

Every table of measured figures in the docs sits between two markers

    <!-- bench:NAME -->
    ...generated, do not edit...
    <!-- /bench:NAME -->

and is rendered here from `benchmarks/results/*.json` (what the benchmarks wrote, committed).
`--check` writes nothing and fails when a table differs from its JSON (the test
tests/core/test_benchmark_report.py does the same), so every figure traces back to a run.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
DOCS = ROOT / "docs"


def load(name: str) -> dict:
    return json.loads((RESULTS / f"{name}.json").read_text(encoding="utf-8"))


def _n(value, digits: int = 1) -> str:
    """A French-style number: thin groups of thousands, decimal point kept (as in the docs)."""
    if isinstance(value, int):
        return f"{value:,}".replace(",", " ")
    return f"{value:,.{digits}f}".replace(",", " ")


def _load_line(figures: dict, start_key: str, end_key: str) -> str:
    start, end = figures.get(start_key), figures.get(end_key)
    return f"load average (1/5/15 min) at start {start}, at end {end}"


def _run_line(figures: dict, command: str, size: str, load_line: str) -> str:
    machine = figures.get("machine", {})
    return (
        f"Run `{command}`, {figures.get('measured_at', '?')}, {size}, "
        f"{machine.get('cpus', '?')} CPUs (shared), {load_line}. "
        f"JSON: `benchmarks/results/{figures['benchmark']}.json`."
    )


REGISTRE_SCENARIOS = {
    "page_list_with_facets": "list page with facets",
    "page_search_fulltext": "full-text search page",
    "page_search_hybrid": "hybrid search page",
    "api_list": "API list",
    "api_search_fulltext": "API full-text search",
    "api_search_hybrid": "API hybrid search",
    "datasette_list": "Datasette list (same records, indexed table)",
    "datasette_list_with_facets": "Datasette list with 5 facets",
}


def registre_speed() -> str:
    f = load("registre")
    setup = f["http_setup"]
    records = f["records"]["total"]
    lines = [
        _run_line(
            f,
            f.get("command", "python -m benchmarks.registre"),
            f"{_n(records)} records",
            _load_line(setup, "machine_load_average_at_start", "machine_load_average"),
        ),
        (
            f"Territoria: {setup['app']}; Datasette: {setup['datasette']}; "
            f"{setup['timed_samples_per_scenario']} timed requests per scenario on both sides "
            f"after a warm-up; Datasette's indexes: {', '.join(setup['indexes']['datasette'])}."
        ),
        "",
        (
            f"| scenario ({_n(records)} records) | 1 client p50 ms | 1 client p95 ms "
            f"| {setup['http']}: p95 ms | req/s |"
        ),
        "|---|---|---|---|---|",
    ]
    for name, label in REGISTRE_SCENARIOS.items():
        one, many = f["latency"][name], f["http"][name]
        errors = one["errors"] + many["errors"]
        lines.append(
            f"| {label} | {one['p50_ms']} | {one['p95_ms']} | {many['p95_ms']} | "
            f"{many['req_per_s']} |" + (f" {errors} errors |" if errors else "")
        )
    ratios = f["vs_datasette"]
    lines += [
        "",
        (
            f"API list / Datasette list, requests per second: "
            f"**×{ratios['api_list_over_datasette_list_req_per_s']}** "
            f"(×{ratios['api_list_over_datasette_list_with_facets_req_per_s']} against Datasette "
            "computing the five facets)."
        ),
    ]
    return "\n".join(lines)


def registre_quality() -> str:
    q = load("registre")["quality"]
    lines = [
        (
            f"{q['queries']} judged queries, anonymous reader, real records only "
            "(`benchmarks/results/registre.json`, key `quality`)."
        ),
        "",
        "| ranking | recall@5 | MRR | paraphrases recall@5 |",
        "|---|---|---|---|",
    ]
    for label, key in (("lexical", "lexical"), ("semantic", "semantic"), ("fused", "fused")):
        m = q[key]
        para = m["by_kind"].get("paraphrase", {}).get("recall@5", "—")
        lines.append(f"| {label} | {m['recall@5']} | {m['mrr']} | {para} |")
    return "\n".join(lines)


def opendata() -> str:
    f = load("opendata")
    q, ingest, like = f["queries"], f["ingest"], f["like_for_like"]
    load_line = _load_line(f["machine_load"], "load_average_at_start", "load_average_at_end")
    lines = [
        _run_line(
            f,
            f.get("command", "python -m benchmarks.opendata"),
            f"{_n(f['rows'])} rows, CSV {_n(ingest['csv_bytes'] / 1e6, 0)} MB",
            load_line,
        ),
        (
            f"Territoria: {like['territoria']}; Datasette: {like['datasette']}; indexes: none on "
            f"either side; {like['timed_samples_per_query']} timed requests per query on both "
            "sides, one at a time, every one distinct (none answered from a cache)."
        ),
        "",
        f"| figure ({_n(f['rows'])} rows) | Territoria | Datasette (SQLite) | ratio (p95) |",
        "|---|---|---|---|",
        (
            f"| stored upload → queryable (child process) | **{ingest['upload_to_queryable_s']} s** "
            f"({ingest['cpu_s']} s CPU), peak RSS {ingest['peak_rss_mb']} MB | — | — |"
        ),
        (
            f"| the same file over HTTP (upload, analysis, publication, first query) | "
            f"**{q['http_upload']['upload_to_queryable_s']} s**, worker peak RSS "
            f"{q['http_upload']['worker_peak_rss_mb']} MB | — | — |"
        ),
    ]
    for kind, label in (
        ("filtered_sorted_page", "filtered, sorted page (`commune = X`, 50 rows + count)"),
        ("group_by", "group-by (`categorie` → count, sum, avg)"),
    ):
        ours, theirs = q[f"ours_{kind}"], q.get(f"datasette_{kind}")
        if theirs:
            lines.append(
                f"| {label} p50 / p95 | {ours['p50_ms']} / **{ours['p95_ms']} ms** | "
                f"{theirs['p50_ms']} / {theirs['p95_ms']} ms | **× {q[f'speedup_{kind}_p95']}** |"
            )
        else:
            lines.append(f"| {label} p50 / p95 | {ours['p50_ms']} / {ours['p95_ms']} ms | — | — |")
    return "\n".join(lines)


def heldout(section: str) -> Callable[[], str]:
    """The tuned thresholds on the half they were tuned on and on the held-out half."""

    def render() -> str:
        f = load("heldout")
        part = f[section]
        lines = [
            _run_line(
                f,
                f.get("command", "python -m benchmarks.heldout"),
                part["size"],
                f"load average {f.get('load_average_1_5_15')}",
            ),
            f"Split: {part['split']}.",
            "",
            "| figure | tuning half | held-out half |",
            "|---|---|---|",
        ]
        for label, values in part["figures"].items():
            lines.append(f"| {label} | {values['tune']} | {values['report']} |")
        return "\n".join(lines)

    return render


def load_benchmark() -> str:
    """The load on loopback (benchmarks/load.py): totals, writes check, then per route."""
    from benchmarks.load import markdown_table

    figures = load("load")
    runs, config = figures["runs"], figures["config"]
    names = list(runs)

    def row(label, value):
        return f"| {label} | " + " | ".join(str(value(runs[db])) for db in names) + " |"

    return "\n".join(
        [
            (
                f"Run {figures['generated_at'][:10]} (commit `{figures['commit']}`, "
                f"{figures['machine']['cpus']} cores): {config['duration_s']:.0f} s per database, "
                f"{config['clients']} clients ({config['readers']} readers, {config['writers']} "
                f"writers), {config['gunicorn_workers']} gunicorn workers, no think time. "
                "JSON: `benchmarks/results/load.json`."
            ),
            "",
            "| | " + " | ".join(names) + " |",
            "|---|" + "---|" * len(names),
            row("requests (per second)", lambda r: f"{r['requests']} ({r['requests_per_s']}/s)"),
            row("server errors (5xx, broken connections)", lambda r: r["server_errors"]),
            row(
                "accepted edits / lost or extra",
                lambda r: f"{r['writes']['accepted_edits']} / {r['writes']['edits_lost_or_extra']}",
            ),
            row(
                "accepted uploads / missing",
                lambda r: f"{r['writes']['accepted_uploads']} / {r['writes']['uploads_missing']}",
            ),
            "",
            "Per route (requests, p50 / p95 in ms):",
            "",
            markdown_table(figures),
        ]
    )


def faults_benchmark() -> str:
    """kill -9 during each kind of job (benchmarks/faults.py): what each fault left, recovered."""
    f = load("faults")

    def yes(value) -> str:
        return "yes" if value else "no"

    imp, ing, pub, up = f["import"], f["ingestion"], f["publication"], f["upload"]
    states = ", ".join(f"{n} {state}" for state, n in ing["documents_by_state"].items())
    rows = [
        ("analysis of a file", f"status {f['analysis']['status_after_restart']}", "analysis"),
        (
            "publication (Parquet)",
            f"{pub['rows_queryable']} rows queryable, nothing lost: {yes(pub['nothing_lost'])}",
            "publication",
        ),
        (
            "ingestion (assistant)",
            (
                f"{ing['indexed_at_kill']} documents indexed at the kill, then {states}; "
                f"{ing['passages_without_vector']} passage without vector"
            ),
            "ingestion",
        ),
        (
            "register import",
            (
                f"{imp['status_after_restart']} with its reason; retry {imp['retry_status']}, "
                f"{imp['projects_at_end']} projects"
            ),
            "import",
        ),
        (
            "upload cut (web worker)",
            (
                f"spooled files left {up['spooled_files_after_recovery']}, "
                f"site answers: {yes(up['web_serves_again'])}"
            ),
            "upload",
        ),
    ]
    left = sum(len(v) if isinstance(v, list) else v for v in f["leftovers"].values())
    lines = [
        (
            f"Run {f['measured_at'][:16]} ({f['machine']['cpus']} cores): {f['worker_kills']} "
            f"kill -9 of the worker and {f['web_worker_kills']} of a web worker, "
            f"{f['total_s']:.0f} s in all; every check passed: {yes(f['all_ok'])}. "
            "JSON: `benchmarks/results/faults.json`."
        ),
        "",
        "| killed during | after restart | recovered in (s) | check |",
        "|---|---|---|---|",
    ]
    for label, outcome, key in rows:
        seconds = f[key].get("worker_restart_to_recovered_s", "—")
        lines.append(f"| {label} | {outcome} | {seconds} | {yes(f[key]['ok'])} |")
    lines.append(f"| (end) | files or tasks left behind: {left} | — | {yes(left == 0)} |")
    return "\n".join(lines)


ANSWER_SETS = {
    "guide-dev": "guide, dev questions (tuning)",
    "guide-offtopic": "guide, off-topic questions (tuning; should abstain)",
    "guide-paraphrases": "guide, paraphrases (seen before tuning)",
    "guide-paraphrases-2": "**guide, paraphrases written after tuning (held out)**",
    "piaf-tune": "PIAF tune half",
    "piaf-report": "**PIAF report half (held out)**",
    "crpa": "CRPA (all)",
}


def assistant_answers() -> str:
    f = load("assistant_answers")
    before, after = f["before"], f["after"]
    lines = [
        _run_line(
            f,
            f["command"],
            "each set before (main) and after (this code) in separate fresh data folders",
            _load_line(f, "load_average_at_start", "load_average_1_5_15"),
        ),
        "",
        (
            "| set | questions | answer_recall before → after | citation_recall before → after "
            "| abstained before → after | mrr@10 (fused) before → after |"
        ),
        "|---|---|---|---|---|---|",
    ]
    for key, label in ANSWER_SETS.items():
        if key not in after:
            continue
        b, a = before.get(key, {}), after[key]

        def pair(metric, b=b, a=a):
            return f"{b.get(metric, '—')} → {a[metric]}"

        lines.append(
            f"| {label} | {a['questions']} | {pair('answer_recall')} | {pair('citation_recall')} "
            f"| {pair('abstained')} | {pair('mrr@10')} |"
        )
    lines += [
        "",
        (
            "Retrieval in the same run (mrr@10 of the gold document; plain baselines over whole "
            "documents, computed by `territoria assistant eval` itself):"
        ),
        "",
        "| set | fused (after) | lexical | dense | plain BM25, whole pages | plain e5, first window |",
        "|---|---|---|---|---|---|",
    ]
    for key, label in ANSWER_SETS.items():
        if key not in after or "baselines" not in after[key]:
            continue
        a = after[key]
        base = a["baselines"]
        lines.append(
            f"| {label} | {a['mrr@10']} | {a['modes']['lexical']} | {a['modes']['dense']} "
            f"| {base['bm25 (whole pages)']['mrr@10']} | {base['e5 (first window)']['mrr@10']} |"
        )
    return "\n".join(lines)


def assistant_fiches(name: str = "assistant_fiches") -> str:
    f = load(name)
    results = f["results"]
    variants = [v for v in results["citizens-report"] if v not in ("questions", "subset")]
    lines = [
        _run_line(
            f,
            f["command"],
            f"{f['pages']} pages, {f['passages']} passages"
            + (", lexical only" if f["dense"].startswith("not measured") else ""),
            f"load average (1/5/15 min) at end {f.get('load_average_1_5_15')}",
        ),
        "",
        (
            '| technique (lexical; "+": on the passages, page evidence and fusion with the lexicon) | citizens tune mrr@10 | recall@5 '
            "| **citizens report mrr@10** | **recall@5** | titles mrr@10 |"
        ),
        "|---|---|---|---|---|---|",
    ]
    for v in variants:
        tune, report, titles = (
            results[k][v] for k in ("citizens-tune", "citizens-report", "titles")
        )
        lines.append(
            f"| {v} | {tune['mrr@10']} | {tune['recall@5']} | **{report['mrr@10']}** "
            f"| **{report['recall@5']}** | {titles['mrr@10']} |"
        )
    lines += [
        "",
        (
            f"Questions: {results['citizens-tune']['questions']} + {results['citizens-report']['questions']}"
            f" in citizens' words, {results['titles']['questions']} titles. Lexical retrieval of the "
            f"assistant (with the lexicon) p50 {f['lexical_retrieval_p50_ms']} ms, p95 "
            f"{f['lexical_retrieval_p95_ms']} ms on the shared machine. Dense: {f['dense']}."
        ),
    ]
    return "\n".join(lines)


def assistant_fiches_pages() -> str:
    """The page-first run (issue 20): the table above, then the pages' latency and the e5 subset."""
    f = load("assistant_fiches_pages")
    lines = [
        assistant_fiches("assistant_fiches_pages"),
        "",
        (
            f"Live page-first ranking (passage search + page index + fusion) p50 "
            f"{f['live_page_first_p50_ms']} ms, p95 {f['live_page_first_p95_ms']} ms; page index "
            f"built in {f['page_index_build_seconds']} s. Page vectors: {f['page_vectors']}."
        ),
    ]
    subset = f["results"]["citizens-report"].get("subset")
    if subset:
        tune = f["results"]["citizens-tune"]["subset"]
        lines += [
            "",
            (
                f"| on the {subset['pages']} pages with a vector | tune mrr@10 | recall@5 "
                "| **report mrr@10** | **recall@5** |"
            ),
            "|---|---|---|---|---|",
        ]
        for v in [k for k in subset if k not in ("questions", "pages")]:
            lines.append(
                f"| {v.removeprefix('subset: ')} | {tune[v]['mrr@10']} | {tune[v]['recall@5']} "
                f"| **{subset[v]['mrr@10']}** | **{subset[v]['recall@5']}** |"
            )
        lines.append(
            f"\nQuestions whose gold page has a vector: {tune['questions']} + {subset['questions']}."
        )
    return "\n".join(lines)


TABLES: dict[str, tuple[str, Callable[[], str]]] = {
    "load": ("security.md", load_benchmark),
    "faults": ("security.md", faults_benchmark),
    "registre-speed": ("registre-discovery.md", registre_speed),
    "registre-quality": ("registre-discovery.md", registre_quality),
    "registre-heldout": ("registre-discovery.md", heldout("registre")),
    "opendata": ("opendata.md", opendata),
    "assistant-heldout": ("assistant.md", heldout("assistant")),
    "assistant-answers": ("assistant.md", assistant_answers),
    "assistant-fiches": ("assistant.md", assistant_fiches),
    "assistant-fiches-pages": ("assistant.md", assistant_fiches_pages),
}


def render(text: str, only_present: bool = False) -> str:
    """`text` with every bench table replaced by its rendering from the JSON."""
    for name, (_doc, build) in TABLES.items():
        pattern = re.compile(
            rf"(<!-- bench:{re.escape(name)} -->\n).*?(<!-- /bench:{re.escape(name)} -->)",
            re.DOTALL,
        )
        if pattern.search(text):
            body = build()
            text = pattern.sub(lambda m, body=body: m.group(1) + body + "\n" + m.group(2), text)
    return text


def documents() -> dict[Path, str]:
    """Each doc holding a table, with its tables rendered."""
    paths = sorted({DOCS / doc for doc, _ in TABLES.values()})
    return {path: render(path.read_text(encoding="utf-8")) for path in paths}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report")
    parser.add_argument("--check", action="store_true", help="fail if a table is out of date")
    args = parser.parse_args(argv)
    stale = []
    for path, text in documents().items():
        if path.read_text(encoding="utf-8") != text:
            stale.append(path.relative_to(ROOT))
            if not args.check:
                path.write_text(text, encoding="utf-8")
    verb = "out of date" if args.check else "rewritten"
    for path in stale:
        print(f"{path}: {verb}")
    return 1 if (args.check and stale) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
