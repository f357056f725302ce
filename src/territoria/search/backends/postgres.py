"""PostgreSQL backend: a tsvector ('simple' config over our pre-analysed terms), GIN, ts_rank.

The French analysis is done in Python (same analyzer as SQLite), so both backends index
exactly the same terms; 'simple' only splits and lowercases. Vectors are stored as bytea
and searched with numpy like on SQLite (pgvector is not assumed: see docs/search.md).
"""

from __future__ import annotations

import re

from territoria.search.backends.base import SearchIndex

_SAFE_TERM = re.compile(r"^\w+$")


class PostgresSearchIndex(SearchIndex):
    def _write_terms(self, cursor, rows):
        cursor.executemany(
            "UPDATE search_document SET tsv = setweight(to_tsvector('simple', %s), 'A') "
            "|| setweight(to_tsvector('simple', %s), 'B') WHERE id = %s",
            [(title, body, pk) for pk, title, body in rows],
        )

    def _delete_terms(self, cursor, pks):
        pass  # the tsvector lives on the document row, deleted with it

    def _lexical_sql(self, terms, allowed_sql, limit, every_word):
        terms = [t for t in terms if _SAFE_TERM.match(t)] or ["_"]
        # `every_word` only narrows which documents match; they are scored as for any word
        # (ts_rank of an AND query weighs term proximity instead), as FTS5's BM25 does.
        match = (" & " if every_word else " | ").join(terms)
        sql = (
            "SELECT d.id, ts_rank(d.tsv, q, 1) AS score FROM search_document d, "
            "to_tsquery('simple', %s) q, to_tsquery('simple', %s) m "
            f"WHERE d.tsv @@ m AND d.id IN ({allowed_sql}) ORDER BY score DESC, d.id LIMIT %s"
        )
        return sql, ([" | ".join(terms), match], [limit])

    def _term_count_sql(self, term, namespace_sql):
        term = term if _SAFE_TERM.match(term) else "_"
        return (
            (
                "SELECT count(*) FROM search_document d WHERE d.tsv @@ to_tsquery('simple', %s) "
                f"AND d.id IN ({namespace_sql})"
            ),
            ([term],),
        )
