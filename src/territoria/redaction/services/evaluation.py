"""`territoria redaction eval`: the figures of the writing help, as JSON others can score.

The set is a folder (tests/fixtures/redaction/ — SOURCE.md there says where each file comes from):

* `deliberations.csv` (SCDL) + `textes/` — drafting retrieval: each deliberation is a query
  (its object only), the others are the past acts; does the top 5 share its subject code?
  Lexical vs dense vs fused, plus the chance level, in one run on one index. Held-out split:
  the queries of the collectivité whose SIRET is listed in `split.json` → "heldout" (nothing
  was looked at or tuned on it); the others are "dev".
* `reunions/*.txt` + `*.gold.json` — minutes: attendees, decisions and actions found.
* adversarial checks — made here from the set, deterministically: every grounded sentence of
  the minutes' gold and every visa of the texts, and four corruptions of each (a wrong figure,
  an invented name, a shifted date, a malformed article reference; plus an article that does
  not exist in the sources). Caught by our checks vs the assistant's answer check (figures).
* plain language — CRPA and PIAF contexts (TERRITORIA_SHARED_DATA/assistant/): readability
  before/after accepting every lexicon suggestion, and the share of suggestions that keep the
  meaning on the sample judged by hand (`judgements.json`).
* cost per document: wall time, CPU time and energy estimate of each tool, extractive, and
  through a language model when `llm` is given (e.g. gemma3 through llama.cpp).
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
import statistics
import time
import uuid
from pathlib import Path

from territoria.assistant.services.llm import ChatClient
from territoria.assistant.services.traceability import measure
from territoria.redaction.services import generation, readability
from territoria.redaction.services.acts import parse_act
from territoria.redaction.services.grounding import date_matches, fold, inventory, ungrounded
from territoria.redaction.services.legal import check_references
from territoria.redaction.services.minutes import extract_minutes
from territoria.search import get_index
from territoria.search.access import PUBLIC

MODES = ("lexical", "dense", "hybrid")
K = 5


# --- retrieval ---------------------------------------------------------------------------
def _rows(folder: Path) -> list[dict]:
    text = (folder / "deliberations.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def retrieval(folder: Path, heldout_sirets: set[str]) -> dict:
    from territoria.redaction.search import DeliberationIndexer

    rows = _rows(folder)
    texts = {p.stem: p.read_text(encoding="utf-8") for p in (folder / "textes").glob("*.txt")}
    namespace = f"redaction-eval:{uuid.uuid4().hex[:8]}"
    index = get_index()
    documents = []
    for i, row in enumerate(rows):
        document = DeliberationIndexer.document_for(
            key=str(i),
            object=row["DELIB_OBJET"],
            subject_name=row["DELIB_MATIERE_NOM"],
            text=texts.get(row["DELIB_ID"], ""),
            fields={"code": row["DELIB_MATIERE_CODE"]},
        )
        documents.append(document)
    try:
        index.upsert(namespace, documents)
        index.embed_pending(namespace)
        codes = [row["DELIB_MATIERE_CODE"] for row in rows]
        per_split: dict[str, dict[str, list[float]]] = {"dev": {}, "heldout": {}}
        for i, row in enumerate(rows):
            split = "heldout" if row["COLL_SIRET"] in heldout_sirets else "dev"
            for mode in MODES:
                hits = index.search(
                    namespace, row["DELIB_OBJET"], [PUBLIC], limit=K + 1, mode=mode, snippet_chars=0
                )
                top = [h for h in hits if h.key != str(i)][:K]
                precision = sum(codes[int(h.key)] == codes[i] for h in top) / K
                per_split[split].setdefault(mode, []).append(precision)
            same = sum(c == codes[i] for c in codes) - 1
            per_split[split].setdefault("chance", []).append(same / (len(codes) - 1))
            # The best a ranking can do: a subject shared by only 3 other acts caps it at 3/5.
            per_split[split].setdefault("ceiling", []).append(min(K, same) / K)
    finally:
        index.clear(namespace)
    return {
        split: {
            "queries": len(values.get("lexical", [])),
            **{
                f"precision_at_{K}_{name}": round(statistics.mean(v), 4)
                for name, v in values.items()
            },
        }
        for split, values in per_split.items()
    }


# --- minutes -------------------------------------------------------------------------------
def _found(expected: str, candidates: list[str]) -> bool:
    return any(fold(expected)[:60] in fold(c) for c in candidates)


def minutes_quality(folder: Path) -> dict:
    results = {}
    for gold_path in sorted((folder / "reunions").glob("*.gold.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        minutes = extract_minutes(
            (folder / "reunions" / gold["source"]).read_text(encoding="utf-8")
        )
        decisions = [d.text for d in minutes.decisions]
        actions = minutes.actions
        matched_actions = 0
        for expected in gold["actions"]:
            for action in actions:
                if (
                    fold(expected["contains"]) in fold(action.text)
                    and fold(expected["owner"]) in fold(action.owner)
                    and action.due == expected["due"]
                ):
                    matched_actions += 1
                    break
        results[gold["source"]] = {
            "attendees_exact": sorted(minutes.attendees) == sorted(gold["attendees"]),
            "items_found": sum(_found(t, [i.title for i in minutes.items]) for t in gold["items"]),
            "items_expected": len(gold["items"]),
            "decisions_recall": sum(_found(d, decisions) for d in gold["decisions"])
            / len(gold["decisions"]),
            "decisions_precision": (
                sum(_found(d, gold["decisions"]) for d in decisions) / len(decisions)
                if decisions
                else 0.0
            ),
            "actions_recall": matched_actions / len(gold["actions"]),
            "actions_precision": matched_actions / len(actions) if actions else 0.0,
        }
    return results


# --- adversarial checks ----------------------------------------------------------------------
INVENTED_NAMES = ["Mme Sandrine Vasseur", "M. Olivier Chaumont", "Mme Inès Carpentier"]


def _corrupt_figure(sentence: str) -> str | None:
    for match in re.finditer(r"\d[\d  ]*\d|\d", sentence):
        if any(s <= match.start() < e for _iso, s, e in date_matches(sentence)):
            continue
        if re.match(
            r"[A-Z]", sentence[max(0, match.start() - 3) : match.start()].strip()[-1:] or " "
        ):
            continue  # an article number (L. 2121-29): that is the reference corruption
        value = int(re.sub(r"\D", "", match.group()))
        wrong = value + 1 if value < 10 else value * 2
        return sentence[: match.start()] + str(wrong) + sentence[match.end() :]
    return None


def _corrupt_name(sentence: str, n: int) -> str:
    invented = INVENTED_NAMES[n % len(INVENTED_NAMES)]
    match = re.search(r"\b(?:M\.|Mme)\s+[A-ZÀ-Ý][\w-]+(?:\s+[A-ZÀ-Ý][\w-]+)?", sentence)
    if match:
        return sentence[: match.start()] + invented + sentence[match.end() :]
    return f"{invented} indique que {sentence[0].lower()}{sentence[1:]}"


def _corrupt_date(sentence: str) -> str | None:
    from datetime import date, timedelta

    for iso, start, end in date_matches(sentence):
        if iso.startswith("?"):
            continue
        shifted = date.fromisoformat(iso) + timedelta(days=3)
        months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                  "septembre", "octobre", "novembre", "décembre"]  # fmt: skip
        text = f"{shifted.day}{'er' if shifted.day == 1 else ''} {months[shifted.month - 1]} {shifted.year}"
        return sentence[:start] + text + sentence[end:]
    return None


def _corrupt_reference(sentence: str) -> str | None:
    match = re.search(r"\b([LRD])\.?\s?(\d)(\d)(\d{2,3})-(\d+)", sentence)
    if not match:
        return None
    letter, a, b, rest, tail = match.groups()
    return sentence[: match.start()] + f"{letter}. {a}{b}-{rest}-{tail}" + sentence[match.end() :]


def _nonexistent_reference(sentence: str) -> str | None:
    match = re.search(r"\b([LRD])\.?\s?(\d{4})-(\d+)", sentence)
    if not match:
        return None
    return (
        sentence[: match.start()]
        + f"{match.group(1)}. {match.group(2)}-{int(match.group(3)) + 70}"
        + sentence[match.end() :]
    )


def _cases(folder: Path) -> list[dict]:
    """(source, clean sentence) pairs: the minutes' gold sentences and the texts' visas."""
    cases = []
    for gold_path in sorted((folder / "reunions").glob("*.gold.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        source = (folder / "reunions" / gold["source"]).read_text(encoding="utf-8")
        minutes = extract_minutes(source)
        for item in minutes.decisions + minutes.actions:
            cases.append({"origin": gold["source"], "source": source, "sentence": item.text})
    for path in sorted((folder / "textes").glob("*.txt")):
        source = path.read_text(encoding="utf-8")
        act = parse_act(source)
        for line in act.visas + act.considerants:
            cases.append({"origin": path.name, "source": source, "sentence": line})
    return cases


def _assistant_check(sentence: str, source: str) -> bool:
    """The assistant's answer check (citations + figures), as the baseline: True = flagged."""
    from territoria.assistant.services.answering import Passage, check_generated

    passage = Passage("k", "eval", "d", "s", "source", "", None, source, "", 1.0, n=1)
    return bool(check_generated(f"{sentence} [1]", [passage]))


def adversarial(folder: Path, heldout_origins: set[str]) -> dict:
    sources = [p.read_text(encoding="utf-8") for p in (folder / "sources").glob("*")]
    results: dict[str, dict[str, dict[str, int]]] = {}
    examples = []
    for n, case in enumerate(_cases(folder)):
        split = "heldout" if case["origin"] in heldout_origins else "dev"
        source_inventory = inventory(case["source"])
        variants = {
            "clean": case["sentence"],
            "wrong_figure": _corrupt_figure(case["sentence"]),
            "invented_name": _corrupt_name(case["sentence"], n),
            "shifted_date": _corrupt_date(case["sentence"]),
            "malformed_reference": _corrupt_reference(case["sentence"]),
            "nonexistent_article": _nonexistent_reference(case["sentence"]),
        }
        for kind, text in variants.items():
            if text is None or text == case["sentence"] and kind != "clean":
                continue
            ours = bool(ungrounded(text, source_inventory)) or any(
                r.problems for r in check_references(text, sources)
            )
            baseline = _assistant_check(text, case["source"])
            bucket = results.setdefault(split, {}).setdefault(
                kind, {"cases": 0, "flagged": 0, "baseline_flagged": 0}
            )
            bucket["cases"] += 1
            bucket["flagged"] += ours
            bucket["baseline_flagged"] += baseline
            if kind != "clean" and not ours and len(examples) < 10:
                examples.append({"kind": kind, "text": text})
            if kind == "clean" and ours and len(examples) < 10:
                examples.append({"kind": "false_alarm", "text": text})
    summary = {}
    for split, kinds in results.items():
        corrupted = [v for k, v in kinds.items() if k != "clean"]
        summary[split] = {
            "by_kind": kinds,
            "caught": sum(v["flagged"] for v in corrupted),
            "corrupted": sum(v["cases"] for v in corrupted),
            "baseline_caught": sum(v["baseline_flagged"] for v in corrupted),
            "false_alarms": kinds.get("clean", {}).get("flagged", 0),
            "baseline_false_alarms": kinds.get("clean", {}).get("baseline_flagged", 0),
            "clean": kinds.get("clean", {}).get("cases", 0),
        }
    summary["missed_or_false_alarm_examples"] = examples
    return summary


# --- plain language ------------------------------------------------------------------------
def plain_texts(shared: Path, piaf_limit: int = 40) -> list[tuple[str, str]]:
    texts = []
    crpa = json.loads((shared / "assistant" / "crpa-squad.json").read_text(encoding="utf-8"))
    for article in crpa["data"]:
        for paragraph in article["paragraphs"]:
            if len(paragraph["context"].split()) >= 15:
                texts.append((f"crpa:{article['title'][:60]}", paragraph["context"]))
    piaf = json.loads((shared / "assistant" / "piaf-v1.0.json").read_text(encoding="utf-8"))
    for article in piaf["data"][:piaf_limit]:
        texts.append((f"piaf:{article['title']}", article["paragraphs"][0]["context"]))
    return texts


def plain_language(shared: Path, judgements: Path | None) -> dict:
    by_corpus: dict[str, dict[str, list[float]]] = {}
    lost = 0
    counts: dict[str, int] = {}
    for name, text in plain_texts(shared):
        report = readability.report(text)
        accepted = {s.id for s in report.suggestions if s.replacement is not None}
        after = readability.scores(
            readability.apply_suggestions(text, report.suggestions, accepted)
        )
        corpus = name.split(":")[0]
        values = by_corpus.setdefault(corpus, {})
        values.setdefault("kandel_moles_before", []).append(report.kandel_moles)
        values.setdefault("kandel_moles_after", []).append(after[4])
        values.setdefault("lix_before", []).append(report.lix)
        values.setdefault("lix_after", []).append(after[5])
        values.setdefault("words_per_sentence", []).append(report.words_per_sentence)
        values.setdefault("replacements", []).append(len(accepted))
        for s in report.suggestions:
            counts[s.kind] = counts.get(s.kind, 0) + 1
        rewritten = readability.apply_suggestions(text, report.suggestions, accepted)
        lost += bool(readability.kept_items(text, rewritten))
    result = {
        corpus: {
            "texts": len(v["lix_before"]),
            **{k: round(statistics.mean(x), 2) for k, x in v.items()},
        }
        for corpus, v in by_corpus.items()
    }
    result["suggestions_by_kind"] = counts
    result["texts_where_replacements_lost_a_figure_date_or_reference"] = lost
    if judgements and judgements.exists():
        judged = json.loads(judgements.read_text(encoding="utf-8"))["judgements"]
        kept = sum(j["keeps_meaning"] for j in judged)
        grammatical = sum(j["grammatical"] for j in judged)
        result["judged_sample"] = {
            "suggestions": len(judged),
            "keep_meaning": kept,
            "share_keep_meaning": round(kept / len(judged), 3) if judged else None,
            "share_grammatical": round(grammatical / len(judged), 3) if judged else None,
            "note": "judgements.json: judged before the two rules its 'about' names",
        }
    return result


def judgement_sample(shared: Path, size: int = 40, seed: int = 19) -> list[dict]:
    """The lexicon replacements to judge by hand: a seeded sample over the plain-language texts."""
    items = []
    for name, text in plain_texts(shared):
        for s in readability.report(text).suggestions:
            if s.replacement is None:
                continue
            context = text[max(0, s.start - 80) : s.end + 80]
            items.append(
                {
                    "text": name,
                    "id": s.id,
                    "original": s.original,
                    "replacement": s.replacement,
                    "context": context,
                }
            )
    random.Random(seed).shuffle(items)
    return items[:size]


# --- cost ----------------------------------------------------------------------------------
def cost(
    folder: Path, shared: Path, llm: ChatClient | None = None, repeat: int = 3, server_cpu=None
) -> dict:
    """Time and energy per document; `server_cpu()` (the model server's cumulative CPU seconds,
    when it runs on this machine) adds the model's own share, which this process cannot see."""
    documents = {
        "minutes": (folder / "reunions" / "comite-mobilites-2024-05-14.txt").read_text(
            encoding="utf-8"
        ),
        "summary": (folder / "textes" / "2024-015.txt").read_text(encoding="utf-8"),
        "plain": plain_texts(shared)[0][1],
    }
    results = {}
    for kind, text in documents.items():
        runs = []
        server_before = server_cpu() if server_cpu else 0.0
        for _ in range(repeat if llm is None else 1):
            with measure() as spent:
                if kind == "minutes":
                    output, method = generation.run_minutes(text, llm)
                elif kind == "summary":
                    output, method = generation.run_summary(text, 60, llm)
                else:
                    output, method = generation.run_plain(text, llm)
            runs.append(spent)
        generated = output.get("generated", {})
        results[kind] = {
            "method": method,
            "words_in": len(text.split()),
            "wall_ms": round(statistics.median(r.wall_s for r in runs) * 1000, 2),
            "cpu_ms": round(statistics.median(r.cpu_s for r in runs) * 1000, 2),
            "energy_wh_this_process": round(statistics.median(r.energy_wh for r in runs), 7),
        }
        if llm is not None:
            results[kind].update(
                kept_sentences=len(generated.get("kept", [])),
                dropped_sentences=len(generated.get("dropped", [])),
                error=generated.get("error", ""),
                reply_excerpt=(generated.get("text") or "")[:300],
            )
        if server_cpu:
            from django.conf import settings

            server_s = server_cpu() - server_before
            results[kind]["model_server_cpu_s"] = round(server_s, 2)
            results[kind]["energy_wh_with_model_server"] = round(
                results[kind]["energy_wh_this_process"]
                + server_s * settings.ASSISTANT_WATTS_PER_CORE / 3600,
                6,
            )
    return results


def run(
    folder: Path,
    shared: Path,
    llm: ChatClient | None = None,
    parts: tuple[str, ...] = (),
    server_cpu=None,
) -> dict:
    folder = Path(folder)
    split = json.loads((folder / "split.json").read_text(encoding="utf-8"))
    parts = parts or ("retrieval", "minutes", "checks", "plain", "cost")
    started = time.perf_counter()
    result: dict = {"set": str(folder.name), "split": split}
    if "retrieval" in parts:
        result["retrieval"] = retrieval(folder, set(split["heldout_sirets"]))
    if "minutes" in parts:
        result["minutes"] = minutes_quality(folder)
    if "checks" in parts:
        result["checks"] = adversarial(folder, set(split["heldout_origins"]))
    if "plain" in parts:
        result["plain_language"] = plain_language(shared, folder / "judgements.json")
    if "cost" in parts:
        result["cost_per_document"] = {"extractive": cost(folder, shared)}
        if llm is not None:
            result["cost_per_document"]["llm"] = cost(folder, shared, llm, server_cpu=server_cpu)
            result["cost_per_document"]["llm_model"] = llm.model
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result
