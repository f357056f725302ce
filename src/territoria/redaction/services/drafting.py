"""Drafting a deliberation: the most similar past deliberations (search core, lexical + dense +
fused), and a draft pre-filled from them — every pre-filled line cites the act it comes from.

Visas and considérants are collected from the texts of the similar acts (a line cited by several
of them first: the legal basis they share), the dispositif from the most similar act that has
one. Everything is editable; nothing is invented: a pre-filled line is a line of a past act.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from territoria.redaction.search import NAMESPACE
from territoria.redaction.services.acts import Act, parse_act
from territoria.search import PUBLIC, get_index

SIMILAR = 5


@dataclass
class Similar:
    deliberation: object
    score: float
    ranks: dict

    def as_dict(self) -> dict:
        d = self.deliberation
        return {
            "id": str(d.pk),
            "delib_id": d.delib_id,
            "coll_nom": d.coll_nom,
            "date": d.date.isoformat(),
            "subject_code": d.subject_code,
            "object": d.object,
            "score": round(self.score, 4),
        }


def similar_deliberations(
    query: str, mode: str = "hybrid", limit: int = SIMILAR, exclude: set[str] | None = None
) -> list[Similar]:
    """Past deliberations closest to `query` (the object of the new act). Public data only."""
    from territoria.redaction.models import Deliberation

    exclude = exclude or set()
    hits = get_index().search(NAMESPACE, query, [PUBLIC], limit=limit + len(exclude), mode=mode)
    hits = [h for h in hits if h.key not in exclude][:limit]
    found = Deliberation.objects.in_bulk([h.key for h in hits])
    return [Similar(found[_uuid(h.key)], h.score, h.ranks) for h in hits if _uuid(h.key) in found]


def _uuid(key: str):
    import uuid

    return uuid.UUID(key)


def prefill(title: str, similar: list[Similar], max_lines: int = 8) -> tuple[Act, list[dict]]:
    """(pre-filled act, provenance of each pre-filled line)."""
    act = Act(title=title)
    provenance: list[dict] = []
    parsed = [
        (s.deliberation, parse_act(s.deliberation.text)) for s in similar if s.deliberation.text
    ]
    for part in ("visas", "considerants"):
        counts: Counter = Counter()
        first_source: dict[str, object] = {}
        for deliberation, past in parsed:
            for line in dict.fromkeys(getattr(past, part)):
                key = line.lower()
                counts[key] += 1
                first_source.setdefault(key, (line, deliberation))
        # Lines shared by several acts first, then in the order of similarity.
        ordered = sorted(first_source, key=lambda k: -counts[k])[:max_lines]
        for key in ordered:
            line, deliberation = first_source[key]
            getattr(act, part).append(line)
            provenance.append(_source(part, line, deliberation, counts[key]))
    for deliberation, past in parsed:
        if past.articles:
            act.articles = list(past.articles)
            for line in past.articles:
                provenance.append(_source("dispositif", line, deliberation, 1))
            break
    return act, provenance


def _source(part: str, line: str, deliberation, shared: int) -> dict:
    return {
        "part": part,
        "text": line,
        "deliberation": str(deliberation.pk),
        "delib_id": deliberation.delib_id,
        "coll_nom": deliberation.coll_nom,
        "date": deliberation.date.isoformat(),
        "shared_by": shared,
    }
