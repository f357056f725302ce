"""Reciprocal rank fusion (Cormack et al., 2009): merge rankings without comparable scores."""

from __future__ import annotations

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
