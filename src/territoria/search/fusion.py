"""Merging rankings: by rank (reciprocal rank fusion) or by score (distribution-based fusion).

* Reciprocal rank fusion (Cormack et al., 2009) needs ranks only: for lists whose scores mean
  nothing to each other (projects of the register, collections of the assistant).
* Distribution-based score fusion (as in Qdrant's DBSF) keeps how far ahead a candidate is:
  each list's scores are standardised over its own candidates, then added. A passage that one
  search puts far above the rest stays first even when the other search ranks it low, which
  rank fusion flattens. Measured on the assistant's dev sets (mrr@10 of the gold document,
  50 candidates per search): PIAF lexical 0.870, dense 0.809, RRF k=10 0.883, this 0.896;
  CRPA lexical 0.921, dense 1.000, RRF 0.954, this 1.000.
"""

from __future__ import annotations

import statistics
from collections.abc import Hashable, Sequence

RRF_K = 60  # the constant of the original paper; damps the weight of the very first ranks


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[Hashable]],
    k: int = RRF_K,
    weights: Sequence[float] | None = None,
) -> list[tuple[Hashable, float]]:
    """Fused (id, score) pairs, best first: score(d) = Σ weight_r / (k + rank_r(d)), rank from 1.

    Ties keep the order of first appearance, so the result is deterministic.
    """
    weights = weights or [1.0] * len(rankings)
    scores: dict[Hashable, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + weight / (k + rank)
    order = {item: i for i, item in enumerate(scores)}
    return sorted(scores.items(), key=lambda pair: (-pair[1], order[pair[0]]))


def distribution_score_fusion(
    rankings: Sequence[Sequence[tuple[Hashable, float]]],
    weights: Sequence[float] | None = None,
) -> list[tuple[Hashable, float]]:
    """Fused (id, score) pairs, best first, from (id, score) rankings (higher is better).

    Each ranking's scores become z-scores over its own candidates; an id missing from a ranking
    counts as that ranking's lowest candidate. Ties keep the order of first appearance.
    """
    weights = weights or [1.0] * len(rankings)
    normalised = []  # (z-scores, lowest z-score, weight) of each non-empty ranking
    order: dict[Hashable, int] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        if not ranking:
            continue
        values = [score for _item, score in ranking]
        mean, spread = statistics.fmean(values), statistics.pstdev(values) or 1.0
        z = {item: (score - mean) / spread for item, score in ranking}
        normalised.append((z, min(z.values()), weight))
        for item, _score in ranking:
            order.setdefault(item, len(order))
    scores = {
        item: sum(weight * z.get(item, floor) for z, floor, weight in normalised) for item in order
    }
    return sorted(scores.items(), key=lambda pair: (-pair[1], order[pair[0]]))
