"""The citizens' question sets over the Service-Public fiches (issue 20): the fresh held-out set
and the second tuning set must stay apart from the first file's pages and halves, so that a
figure reported on them is never a figure tuned on them."""

import json
from pathlib import Path

from benchmarks.assistant_fiches_fusion import SETS, TUNING, metrics

DATA = Path(__file__).resolve().parents[2] / "benchmarks" / "data"


def _load(name: str) -> list[dict]:
    return json.loads((DATA / name).read_text(encoding="utf-8"))["questions"]


def test_fresh_and_tune2_are_well_formed_and_apart():
    first = _load("fiches_citizen_questions.json")
    fresh = _load("fiches_citizen_questions_fresh.json")
    tune2 = _load("fiches_citizen_questions_tune2.json")
    assert len(fresh) >= 60 and len(tune2) >= 40
    assert {q["half"] for q in fresh} == {"fresh"}
    assert {q["half"] for q in tune2} == {"tune2"}
    for questions in (fresh, tune2):
        assert all(q["gold"].startswith("F") and q["gold"][1:].isdigit() for q in questions)
        assert all(len(q["question"].split()) >= 6 for q in questions)
        assert len({q["id"] for q in questions}) == len(questions)
        assert len({q["question"] for q in questions}) == len(questions)
    pages = [{q["gold"] for q in s} for s in (first, fresh, tune2)]
    assert not pages[0] & pages[1] and not pages[0] & pages[2] and not pages[1] & pages[2]


def test_reporting_sets_are_never_tuning_sets():
    assert set(TUNING) == {"citizens-tune", "citizens-tune2"}
    assert SETS["citizens-report"][1] == "report" and SETS["citizens-fresh"][1] == "fresh"


def test_metrics_read_the_first_ten_only():
    ranked = [["a", "b"], ["x"] * 10 + ["g"], ["c", "d", "e", "f", "g2"]]
    got = metrics(ranked, ["b", "g", "g2"])
    assert got == {
        "mrr@10": round((0.5 + 0 + 0.2) / 3, 4),
        "recall@1": 0.0,
        "recall@5": round(2 / 3, 4),
    }


def test_accepted_answers_are_for_reporting_questions_only():
    """The fiches' accepted answer phrases (benchmarks.assistant_fiches_answers) belong to
    questions of the reporting half and of the fresh set, every one of them has phrases or a
    recorded reason why its gold page does not answer it, and no tuning question has any: the
    answer rule is never tuned on them."""
    answers = json.loads((DATA / "fiches_citizen_answers.json").read_text(encoding="utf-8"))
    by_id = {q["id"]: q for q in _load("fiches_citizen_questions.json")}
    by_id.update({q["id"]: q for q in _load("fiches_citizen_questions_fresh.json")})
    accepted, missing = answers["answers"], answers["no_answer_in_gold"]
    assert accepted and set(accepted) <= set(by_id) and set(missing) <= set(by_id)
    assert {by_id[i]["half"] for i in accepted} == {"report", "fresh"}
    reported = {i for i, q in by_id.items() if q["half"] in ("report", "fresh")}
    assert set(accepted) | set(missing) == reported and not set(accepted) & set(missing)
    assert all(1 <= len(phrases) <= 3 for phrases in accepted.values())
    assert all(p.strip() for phrases in accepted.values() for p in phrases)
    assert all(reason.strip() for reason in missing.values())
    assert set(answers["notes"]) <= set(accepted) | set(missing)
