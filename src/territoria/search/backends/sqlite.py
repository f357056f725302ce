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
        # "+rowid": keeps the access subquery out of FTS5's index choice; with a bare "rowid IN"
        # FTS5 re-runs the MATCH once per allowed row (4.9 s instead of 37 ms on 10 000 records).
        match = " OR ".join('"%s"' % term.replace('"', '""') for term in terms)
        sql = (
            f"SELECT rowid, -bm25(search_fts, {TITLE_WEIGHT}, 1.0) AS score FROM search_fts "
            f"WHERE search_fts MATCH %s AND +rowid IN ({allowed_sql}) ORDER BY bm25(search_fts, {TITLE_WEIGHT}, 1.0) LIMIT %s"
        )
        return sql, ([match], [limit])
