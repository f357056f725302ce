"""Embedded backend: SQLite FTS5 over pre-analysed terms, BM25 ranking."""

from __future__ import annotations

from territoria.search.backends.base import SearchIndex

TITLE_WEIGHT = 2.0  # a term in the title counts twice a term in the body (bm25 column weights)


class SQLiteSearchIndex(SearchIndex):
    def _write_terms(self, cursor, rows):
        cursor.executemany("INSERT INTO search_fts(rowid, title, body) VALUES (%s, %s, %s)", rows)

    def _delete_terms(self, cursor, pks):
        for start in range(0, len(pks), 500):
            chunk = pks[start : start + 500]
            cursor.execute(f"DELETE FROM search_fts WHERE rowid IN ({', '.join(['%s'] * len(chunk))})", chunk)

    def _lexical_sql(self, terms, allowed_sql, limit):
        # Terms are quoted: FTS5 then treats them as plain strings, never as query syntax.
        match = " OR ".join('"%s"' % term.replace('"', '""') for term in terms)
        # MATERIALIZED: FTS5 first computes all matches with their BM25 once; the access rule
        # then filters them. Written as `rowid IN (…)` inside the FTS query, SQLite would
        # re-run the MATCH for every allowed rowid (measured ×10 slower on 650 passages).
        sql = (
            f"WITH matches AS MATERIALIZED (SELECT rowid AS id, bm25(search_fts, {TITLE_WEIGHT}, 1.0) AS rank "
            f"FROM search_fts WHERE search_fts MATCH %s) "
            f"SELECT id, -rank FROM matches WHERE id IN ({allowed_sql}) ORDER BY rank, id LIMIT %s"
        )
        return sql, ([match], [limit])

    def _term_count_sql(self, term, namespace_sql):
        quoted = '"%s"' % term.replace('"', '""')
        return (
            "WITH matches AS MATERIALIZED (SELECT rowid AS id FROM search_fts WHERE search_fts MATCH %s) "
            f"SELECT count(*) FROM matches WHERE id IN ({namespace_sql})",
            ([quoted],),
        )
