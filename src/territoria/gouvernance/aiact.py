"""The AI-Act classification: the questionnaire and rules of `rules/aiact.yaml`, evaluated.

Pure functions over a dict of answers (no database): `evaluate(answers)` gives the level, the
reasoning path (each answer with its article), the rule that decided, the contradictions
explained to the person, and the obligations of a public deployer. The result is a plain dict
(`Result.as_dict()`), stored with each classification so that it stays readable after the
rules change (it carries the version and the texts it was made under).

Answers: yes/no questions take "oui" / "non"; choice questions an option id; multi questions a
list of option ids (an empty list means "none of these", a missing key means "not answered").
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path

import yaml

RULES_FILE = Path(__file__).resolve().parent / "rules" / "aiact.yaml"
AT_LEAST_ONE = "au_moins_un"
NONE = "aucun"
YES, NO = "oui", "non"


@cache
def load_rules(path: Path = RULES_FILE) -> dict:
    with open(path, encoding="utf-8") as handle:
        rules = yaml.safe_load(handle)
    ids = [question["id"] for question in rules["questions"]]
    if len(ids) != len(set(ids)):
        raise ValueError(f"{path}: identifiant de question en double")
    for rule in rules["rules"] + rules["contradictions"] + rules["obligations"]:
        for key in list(rule.get("when", {})) + list(rule.get("unless", {})):
            if key not in ids:
                raise ValueError(
                    f"{path}: la règle « {rule['id']} » cite la question inconnue « {key} »"
                )
    return rules


def questions(rules: dict | None = None) -> list[dict]:
    return (rules or load_rules())["questions"]


def question(qid: str, rules: dict | None = None) -> dict:
    return next(q for q in questions(rules) if q["id"] == qid)


def _matches(answer, expected) -> bool:
    """Does one stored answer satisfy one condition? (missing answers satisfy nothing)"""
    if answer is None:
        return False
    if isinstance(answer, list):
        if expected == AT_LEAST_ONE:
            return bool(answer)
        if expected == NONE:
            return not answer
        return expected in answer
    return answer == expected


def holds(conditions: dict, answers: dict) -> bool:
    return all(_matches(answers.get(key), expected) for key, expected in conditions.items())


def asked(answers: dict, rules: dict | None = None) -> list[dict]:
    """The questions this set of answers leads to, in order (progressive disclosure).

    A condition reads only the answers of questions already on the path, so an answer left
    over from another path (the person changed an earlier answer) opens nothing."""
    on_path: dict = {}
    result = []
    for q in questions(rules):
        if holds(q.get("ask_if", {}), on_path):
            result.append(q)
            if q["id"] in answers:
                on_path[q["id"]] = answers[q["id"]]
    return result


def answer_label(q: dict, answer) -> str:
    if answer is None:
        return "sans réponse"
    if q["type"] == "yes_no":
        return {YES: "Oui", NO: "Non"}.get(answer, str(answer))
    labels = {option["id"]: option["label"] for option in q.get("options", [])}
    if q["type"] == "multi":
        return " ; ".join(labels.get(a, a) for a in answer) if answer else "Aucun"
    return labels.get(answer, str(answer))


def clean_answers(raw: dict, rules: dict | None = None) -> dict:
    """Keep only well-formed answers (unknown options and questions are dropped)."""
    cleaned: dict = {}
    for q in questions(rules):
        value = raw.get(q["id"])
        if value is None or value == "":
            continue
        if q["type"] == "yes_no":
            if value in (YES, NO):
                cleaned[q["id"]] = value
        elif q["type"] == "choice":
            if value in {o["id"] for o in q["options"]}:
                cleaned[q["id"]] = value
        else:
            values = [value] if isinstance(value, str) else list(value)
            known = [o["id"] for o in q["options"]]
            cleaned[q["id"]] = [o for o in known if o in values]
    return cleaned


@dataclass
class Result:
    rules_version: str
    complete: bool
    level: str | None
    level_label: str
    register_value: str
    role: str | None
    path: list[dict] = field(default_factory=list)
    decisive_rule: dict | None = None
    notes: list[dict] = field(default_factory=list)
    missing: list[dict] = field(default_factory=list)
    contradictions: list[str] = field(default_factory=list)
    ignored: list[dict] = field(default_factory=list)
    obligations: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def _step(q: dict, answer) -> dict:
    return {
        "question": q["id"],
        "text": q["text"],
        "answer": answer,
        "answer_label": answer_label(q, answer),
        "article": q["article"],
        "articles": [
            o["article"]
            for o in q.get("options", [])
            if isinstance(answer, list) and o["id"] in answer and o.get("article")
        ]
        or ([o["article"] for o in q.get("options", []) if o["id"] == answer and o.get("article")]),
    }


def evaluate(raw_answers: dict, rules: dict | None = None) -> Result:
    rules = rules or load_rules()
    answers = clean_answers(raw_answers, rules)
    to_ask = asked(answers, rules)
    asked_ids = {q["id"] for q in to_ask}
    path = [_step(q, answers.get(q["id"])) for q in to_ask if q["id"] in answers]
    missing = [{"question": q["id"], "text": q["text"]} for q in to_ask if q["id"] not in answers]
    ignored = [
        {"question": q["id"], "text": q["text"], "answer_label": answer_label(q, answers[q["id"]])}
        for q in questions(rules)
        if q["id"] in answers and q["id"] not in asked_ids
    ]
    # The decision only reads the answers of questions actually asked on this path.
    effective = {key: value for key, value in answers.items() if key in asked_ids}

    role = effective.get("role")
    contradictions = []
    for contradiction in rules["contradictions"]:
        if holds(contradiction["when"], answers):
            contradictions.append(contradiction["message"])
            role = contradiction.get("effect", {}).get("role", role)
    if _matches(effective.get("devient_fournisseur"), AT_LEAST_ONE):
        role = "fournisseur"

    levels = rules["levels"]
    level, decisive, notes = None, None, []
    if not missing:
        for rule in rules["rules"]:
            if not holds(rule["when"], effective):
                continue
            if "unless" in rule and holds(rule["unless"], effective):
                continue
            explained = {"id": rule["id"], "article": rule["article"], "reason": rule["reason"]}
            if rule["level"] is None:
                notes.append(explained)
                continue
            level, decisive = rule["level"], explained
            break
    obligations = []
    if level is not None:
        for item in rules["obligations"]:
            if level not in item["levels"]:
                continue
            if "when" in item and not holds(item["when"], effective):
                continue
            if "unless" in item and holds(item["unless"], effective):
                continue
            if "role" in item and item["role"] != role:
                continue
            obligations.append(
                {
                    key: str(item[key]) if isinstance(item[key], datetime.date) else item[key]
                    for key in ("id", "article", "text", "owner", "applies_from")
                }
            )
    return Result(
        rules_version=str(rules["version"]),
        complete=not missing,
        level=level,
        level_label=levels[level]["label"] if level else "Classification incomplète",
        register_value=levels[level]["register"] if level else "",
        role=role,
        path=path,
        decisive_rule=decisive,
        notes=notes,
        missing=missing,
        contradictions=contradictions,
        ignored=ignored,
        obligations=obligations,
    )
