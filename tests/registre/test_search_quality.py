"""Search quality floor on the judged queries (benchmarks/data/registre_queries.json)."""

import pytest
from benchmarks.registre_data import load_real_records
from benchmarks.registre_quality import evaluate, judged_queries

from territoria.registre.discovery.indexing import embed_pending


def test_judged_query_set_has_at_least_30_queries():
    assert len(judged_queries()) >= 30


@pytest.mark.slow
def test_search_quality_fused_beats_floor_and_each_ranking(db):
    load_real_records()
    embed_pending()
    report = evaluate()
    print(report)
    assert report["fused"]["recall@5"] >= 0.8
    assert report["fused"]["mrr"] >= 0.75
    assert report["fused"]["mrr"] >= report["lexical"]["mrr"] - 0.02
    assert (
        report["semantic"]["by_kind"]["paraphrase"]["recall@5"]
        > report["lexical"]["by_kind"]["paraphrase"]["recall@5"]
    )
