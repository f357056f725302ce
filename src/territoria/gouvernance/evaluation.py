"""Agreement of the suggested AI-Act level with hand-made labels (`territoria gouvernance eval`).

Texts come from the real files: the register's demo CSV (registre/fixtures) and, when the
shared-data folder is given, the foreign registers in its registers/ folder (NL Algoritmeregister, UK ATRS). Labels are in
data/labels.yaml. The split is fixed by a hash of each record's key: about 40 % is held out
("test") and was never looked at while writing the cues of suggest.py ("dev" was).
"""

from __future__ import annotations

import csv
import hashlib
import json
import time
from collections import Counter
from pathlib import Path

import yaml

from territoria.gouvernance import suggest

HERE = Path(__file__).resolve().parent
LABELS = HERE / "data" / "labels.yaml"
# A second held-out set, labelled after the v2 cues were frozen (data/SOURCE.md): split "fresh".
FRESH_LABELS = HERE / "data" / "labels_fresh.yaml"
# A third, labelled before the v3 cues were written (data/SOURCE.md): split "fresh2".
FRESH2_LABELS = HERE / "data" / "labels_fresh2.yaml"
# A fourth, labelled after the v3 run and before the v4 cues were written: split "fresh3".
FRESH3_LABELS = HERE / "data" / "labels_fresh3.yaml"
# A fifth, labelled before anything was run on it (v4 in use, no v5 yet): split "fresh4".
FRESH4_LABELS = HERE / "data" / "labels_fresh4.yaml"
SPLIT_OF_FILE = {
    FRESH_LABELS: "fresh",
    FRESH2_LABELS: "fresh2",
    FRESH3_LABELS: "fresh3",
    FRESH4_LABELS: "fresh4",
}
FIXTURES = HERE.parent / "registre" / "fixtures"
LEVELS = ["hors_champ", "minimal", "limite", "haut_risque", "interdit"]


class EvaluationDataError(Exception):
    pass


def split_of(source: str, key: str) -> str:
    digest = int(hashlib.sha1(f"{source}:{key}".encode()).hexdigest(), 16)
    return "test" if digest % 10 < 4 else "dev"


def _french_texts() -> dict[str, dict]:
    """Each record's text (title. description: what v1 and v2 read) and its fields (v3)."""
    texts = {}
    for name, prefix in (("bibliotheque-ia-data.csv", ""), ("livret-cas-usage.csv", "livret-")):
        with open(FIXTURES / name, encoding="utf-8", newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=1):
                texts[f"{prefix}{number}"] = {
                    "title": row["Nom_du_projet"],
                    "description": row["Description_service"],
                    "organisation": row.get("Nom_collectivite", ""),
                    "theme": " ".join(
                        row.get(k) or "" for k in ("Theme", "Sous_Theme", "Audience")
                    ),
                }
    return texts


def _foreign_texts(shared: Path) -> dict[str, dict[str, dict]]:
    registers = shared / "registers"
    try:
        uk = json.loads((registers / "uk-atrs.json").read_text(encoding="utf-8"))["records"]
        nl = json.loads((registers / "nl-algoritmeregister.json").read_text(encoding="utf-8"))[
            "algoritmes"
        ]
    except FileNotFoundError as error:
        raise EvaluationDataError(f"registre étranger introuvable : {error.filename}") from None
    except (KeyError, json.JSONDecodeError) as error:
        raise EvaluationDataError(f"registre étranger illisible ({registers}) : {error}") from None
    return {
        "uk": {
            r["url"].rstrip("/").rsplit("/", 1)[-1]: {
                "title": r["tool_name"],
                "description": r.get("description") or "",
                "organisation": r.get("publishing_body") or "",
            }
            for r in uk
        },
        "nl": {
            str(r["id"]): {
                "title": r["title"],
                "description": r.get("doel") or "",
                "organisation": r.get("organisatie") or "",
                "legal_basis": r.get("juridische_basis") or "",
                "impact_assessment": {"Ja": "oui", "Nee": "non"}.get(r.get("impactassessment"), ""),
            }
            for r in nl
        },
    }


def labelled_records(shared: Path | None) -> list[dict]:
    texts = {"fr": _french_texts()}
    if shared is not None:
        texts.update(_foreign_texts(shared))
    records = []
    for path in (LABELS, FRESH_LABELS, FRESH2_LABELS, FRESH3_LABELS, FRESH4_LABELS):
        records += _records_of(path, texts)
    return records


def _records_of(path: Path, texts: dict) -> list[dict]:
    labels = yaml.safe_load(path.read_text(encoding="utf-8"))
    records = []
    for source, items in labels.items():
        if source not in texts:
            continue
        for key, label in items.items():
            key = str(key)
            if key not in texts[source]:
                raise EvaluationDataError(
                    f"{path.name} : {source} « {key} » absent des données source"
                )
            if label["level"] not in LEVELS:
                raise EvaluationDataError(
                    f"{path.name} : {source} « {key} » : niveau inconnu « {label['level']} »"
                )
            records.append(
                {
                    "source": source,
                    "key": key,
                    "text": f"{texts[source][key]['title']}. {texts[source][key]['description']}",
                    "fields": texts[source][key],
                    "label": label["level"],
                    "split": SPLIT_OF_FILE.get(path) or split_of(source, key),
                }
            )
    return records


def _kappa(pairs: list[tuple[str, str]]) -> float:
    n = len(pairs)
    if not n:
        return 0.0
    observed = sum(1 for gold, pred in pairs if gold == pred) / n
    gold, pred = Counter(g for g, _ in pairs), Counter(p for _, p in pairs)
    expected = sum(gold[c] * pred[c] for c in LEVELS) / (n * n)
    return round((observed - expected) / (1 - expected), 3) if expected < 1 else 1.0


def metrics(pairs: list[tuple[str, str]]) -> dict:
    n = len(pairs)
    per_level, f1s = {}, []
    for level in LEVELS:
        tp = sum(1 for g, p in pairs if g == level and p == level)
        support = sum(1 for g, _ in pairs if g == level)
        predicted = sum(1 for _, p in pairs if p == level)
        if not support and not predicted:
            continue
        precision = tp / predicted if predicted else 0.0
        recall = tp / support if support else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        if support:
            f1s.append(f1)
        per_level[level] = {
            "support": support,
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "f1": round(f1, 3),
        }
    return {
        "n": n,
        "accuracy": round(sum(1 for g, p in pairs if g == p) / n, 3) if n else 0.0,
        "macro_f1": round(sum(f1s) / len(f1s), 3) if f1s else 0.0,
        "cohen_kappa": _kappa(pairs),
        "per_level": per_level,
        "confusion": {
            g: {p: c for (gg, p), c in Counter(pairs).items() if gg == g}
            for g in LEVELS
            if any(x == g for x, _ in pairs)
        },
    }


def evaluate(
    shared: Path | None = None,
    *,
    split: str = "all",
    per_record: bool = False,
    cues: list[tuple[str, str, str]] | None = None,
    patterns: dict | None = None,
) -> dict:
    """`cues`: an older list of cues read with the v2 engine; `patterns`: an older set of
    patterns read with the current engine (the benchmark's baselines)."""
    records = [
        r for r in labelled_records(shared) if split == "all" or r["split"] in split.split("+")
    ]
    majority = Counter(
        r["label"] for r in labelled_records(shared) if r["split"] == "dev"
    ).most_common(1)[0][0]
    started = time.process_time()
    for record in records:
        if cues is None:  # the current suggestion reads the record's fields
            record["suggested"] = suggest.suggested_level_fields(record["fields"], patterns)
        else:  # an older list of cues (the benchmark's baselines) reads title. description
            record["suggested"] = suggest.suggested_level(record["text"], cues)
    cpu = time.process_time() - started
    report = {
        "task": "AI-Act level suggested from a record's text vs hand-made labels",
        "split": split,
        "sources": dict(Counter(r["source"] for r in records)),
        "suggestion": metrics([(r["label"], r["suggested"]) for r in records]),
        "baseline_majority": {
            "predicts": majority,
            **metrics([(r["label"], majority) for r in records]),
        },
        "cpu_ms_per_record": round(1000 * cpu / len(records), 3) if records else 0.0,
    }
    if per_record:
        report["records"] = [
            {k: r[k] for k in ("source", "key", "split", "label", "suggested")} for r in records
        ]
    return report
