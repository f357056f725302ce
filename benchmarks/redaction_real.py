"""`python -m benchmarks redaction_real`: the writing help's checks on real text — the five seed
documents of the project (../shared/seeds/*.txt: a metropolitan committee's AI roadmap, the
Delibia booklet, a charter's preamble, a press article, a report on trustworthy AI), not on the
hand-written fixtures of `benchmarks.redaction`.

1. Grounding (the check every generated sentence goes through) on real sentences: a sentence of
   a seed that carries a figure, a date or a capitalised word, checked against its whole
   document — unchanged (must pass: a flag is a false alarm), then with one corruption each
   (must be flagged): a wrong figure, an invented person, a date shifted by three days. The
   corruptions are the adversarial set's own (`redaction/services/evaluation.py`). Baseline in
   the same run: the assistant's answer check (citations and figures).
2. Deliberation skeleton: for each amount written in the seeds, an act whose considérant is
   the real sentence and whose article 1 allocates that amount (must pass the « montant »
   check), then the same act with the amount doubled in the article (must be flagged).
3. Plain language on the seeds' paragraphs (at least 25 words): readability before and after
   accepting every lexicon replacement, the flags by kind, and whether the replacements kept
   every figure, date, amount and legal reference (must: a loss is a failure).

A "case" passes when the check says what it must. Writes benchmarks/results/redaction_real.json.
Sentences are drawn with random.Random(19), at most 30 per seed.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import time
from pathlib import Path

from benchmarks import SHARED_DATA
from benchmarks.assistant_common import setup_django, write_result

SEEDS = Path(os.environ.get("TERRITORIA_SEEDS", SHARED_DATA.parent / "seeds"))
PER_SEED = 30
MIN_WORDS = 8


def _candidates(text: str) -> list[str]:
    """Sentences worth checking: at least 8 words, and a digit or a capitalised word after the
    first one (what a summary could get wrong)."""
    from territoria.redaction.services.texts import sentences, words

    found = []
    for sentence, _span in sentences(text):
        sentence = sentence.strip()
        if len(words(sentence)) < MIN_WORDS or sentence.startswith(("#", "|", "-", "*")):
            continue
        if re.search(r"\d", sentence) or re.search(r"\s[A-ZÀ-Ý][a-zà-ÿ]+", sentence):
            found.append(sentence)
    return found


def _corrupt_figure(sentence: str) -> str | None:
    """The adversarial set's wrong figure (redaction/services/evaluation.py: the first figure
    that is neither in a date nor an article number, +1 below 10, doubled above), except that a
    list number (« 5. ») or a footnote call (« [2] ») is not a figure of the text."""
    from territoria.redaction.services.grounding import date_matches

    skip = [m.span() for m in re.finditer(r"^\s*\d+\.(?=\s)|\[\d+\]", sentence)]
    skip += [(start, end) for _iso, start, end in date_matches(sentence)]
    for match in re.finditer(r"\d[\d  ]*\d|\d", sentence):
        if any(start <= match.start() < end for start, end in skip):
            continue
        if re.match(
            r"[A-Z]", sentence[max(0, match.start() - 3) : match.start()].strip()[-1:] or " "
        ):
            continue  # an article number (L. 2121-29)
        value = int(re.sub(r"\D", "", match.group()))
        wrong = value + 1 if value < 10 else value * 2
        return sentence[: match.start()] + str(wrong) + sentence[match.end() :]
    return None


def grounding_cases(seeds: list[Path]) -> dict:
    from territoria.redaction.services.evaluation import (
        _assistant_check,
        _corrupt_date,
        _corrupt_name,
    )
    from territoria.redaction.services.grounding import inventory, ungrounded
    from territoria.redaction.services.legal import check_references

    rng = random.Random(19)
    kinds: dict[str, dict[str, int]] = {}
    examples = []
    n = 0
    started = time.process_time()
    for path in seeds:
        text = path.read_text(encoding="utf-8")
        source = inventory(text)
        pool = _candidates(text)
        for sentence in rng.sample(pool, min(PER_SEED, len(pool))):
            variants = {
                "clean": sentence,
                "wrong_figure": _corrupt_figure(sentence),
                "invented_name": _corrupt_name(sentence, n),
                "shifted_date": _corrupt_date(sentence),
            }
            n += 1
            for kind, variant in variants.items():
                if variant is None or (kind != "clean" and variant == sentence):
                    continue
                flagged = bool(ungrounded(variant, source)) or any(
                    r.problems for r in check_references(variant, [])
                )
                baseline = _assistant_check(variant, text)
                must_flag = kind != "clean"
                bucket = kinds.setdefault(kind, {"cases": 0, "passed": 0, "baseline_passed": 0})
                bucket["cases"] += 1
                bucket["passed"] += flagged == must_flag
                bucket["baseline_passed"] += baseline == must_flag
                if flagged != must_flag and len(examples) < 12:
                    examples.append({"seed": path.name, "kind": kind, "text": variant[:300]})
    cpu = time.process_time() - started
    cases = sum(b["cases"] for b in kinds.values())
    return {
        "sentences": n,
        "by_kind": kinds,
        "cases": cases,
        "passed": sum(b["passed"] for b in kinds.values()),
        "baseline_passed": sum(b["baseline_passed"] for b in kinds.values()),
        "cpu_ms_per_case": round(1000 * cpu / cases, 2) if cases else 0.0,
        "failures": examples,
    }


def act_cases(seeds: list[Path]) -> dict:
    from territoria.redaction.services.acts import Act, check_act
    from territoria.redaction.services.grounding import amounts
    from territoria.redaction.services.texts import sentences

    results = {"clean": {"cases": 0, "passed": 0}, "doubled_amount": {"cases": 0, "passed": 0}}
    details = []
    for path in seeds:
        text = path.read_text(encoding="utf-8")
        for sentence, _span in sentences(text):
            for value, raw in amounts(sentence):
                number = re.search(r"\d[\d\s  ]*(?:[.,]\d+)?", raw).group()
                wrong = raw.replace(number, _doubled(number), 1)
                for kind, written in (("clean", raw), ("doubled_amount", wrong)):
                    act = Act(
                        title="Attribution d'une enveloppe",
                        date="2026-12-03",
                        visas=["Vu le code général des collectivités territoriales,"],
                        considerants=[f"Considérant que {sentence.strip()}"],
                        articles=[f"Une enveloppe de {written} est inscrite au budget."],
                    )
                    flagged = any(c.code == "montant" and not c.ok for c in check_act(act))
                    results[kind]["cases"] += 1
                    results[kind]["passed"] += flagged == (kind != "clean")
                    details.append(
                        {"seed": path.name, "amount": raw, "kind": kind, "flagged": flagged}
                    )
    return {
        **results,
        "cases": sum(r["cases"] for r in results.values()),
        "passed": sum(r["passed"] for r in results.values()),
        "details": details,
    }


def _doubled(number: str) -> str:
    digits = re.sub(r"[\s  ]", "", number)
    if "," in digits or "." in digits:
        value = float(digits.replace(",", ".")) * 2
        return f"{value:g}".replace(".", ",")
    return str(int(digits) * 2)


def plain_cases(seeds: list[Path]) -> dict:
    from territoria.redaction.services import readability
    from territoria.redaction.services.texts import words

    before_km, after_km, before_lix, after_lix = [], [], [], []
    flags: dict[str, int] = {}
    paragraphs = kept = replacements = 0
    losses = []
    for path in seeds:
        text = path.read_text(encoding="utf-8")
        for paragraph in re.split(r"\n\s*\n", text):
            paragraph = paragraph.strip()
            if len(words(paragraph)) < 25:
                continue
            report = readability.report(paragraph)
            accepted = {s.id for s in report.suggestions if s.replacement is not None}
            rewritten = readability.apply_suggestions(paragraph, report.suggestions, accepted)
            after = readability.scores(rewritten)
            paragraphs += 1
            replacements += len(accepted)
            before_km.append(report.kandel_moles)
            after_km.append(after[4])
            before_lix.append(report.lix)
            after_lix.append(after[5])
            for suggestion in report.suggestions:
                flags[suggestion.kind] = flags.get(suggestion.kind, 0) + 1
            lost = readability.kept_items(paragraph, rewritten)
            if lost:
                losses.append({"seed": path.name, "lost": lost[:5], "text": paragraph[:200]})
            else:
                kept += 1
    return {
        "paragraphs": paragraphs,
        "replacements_accepted": replacements,
        "kandel_moles_before": round(statistics.mean(before_km), 1) if before_km else None,
        "kandel_moles_after": round(statistics.mean(after_km), 1) if after_km else None,
        "lix_before": round(statistics.mean(before_lix), 1) if before_lix else None,
        "lix_after": round(statistics.mean(after_lix), 1) if after_lix else None,
        "flags_by_kind": flags,
        "cases": paragraphs,
        "passed": kept,
        "losses": losses[:10],
    }


def main(argv=None):
    os.environ.setdefault("TERRITORIA_SECRET_KEY", "benchmark-only-secret-key-0123456789abcdefghij")
    setup_django("redaction-real")
    seeds = sorted(SEEDS.glob("*.txt"))
    if not seeds:
        raise SystemExit(f"aucun document dans {SEEDS} (TERRITORIA_SEEDS)")
    grounding = grounding_cases(seeds)
    acts = act_cases(seeds)
    plain = plain_cases(seeds)
    parts = {"grounding": grounding, "deliberation_amounts": acts, "plain_language": plain}
    result = {
        "command": "OMP_NUM_THREADS=1 python -m benchmarks redaction_real",
        "seeds": [p.name for p in seeds],
        "cases": sum(p["cases"] for p in parts.values()),
        "passed": sum(p["passed"] for p in parts.values()),
        "baseline_grounding_assistant_check_passed": grounding["baseline_passed"],
        **parts,
    }
    write_result("redaction_real", result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
