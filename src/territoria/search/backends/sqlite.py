"""Embedded backend: SQLite FTS5 over pre-analysed terms, BM25 ranking."""

from __future__ import annotations

from django.db import connections

from territoria.search.backends.base import SearchIndex, query_terms

TITLE_WEIGHT = 2.0  # a term in the title counts twice a term in the body (bm25 column weights)


def _varint(data: bytes) -> int:
    """SQLite's variable-length integer (big-endian, 7 bits a byte, the 9th byte whole)."""
    value = 0
    for position, byte in enumerate(data[:9]):
        if position == 8:
            return (value << 8) | byte
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value
    return value


def _match_expression(terms: list[str], every_word: bool) -> str:
    # Terms are quoted: FTS5 then treats them as plain strings, never as query syntax.
    return (" AND " if every_word else " OR ").join(
        '"{}"'.format(term.replace('"', '""')) for term in terms
    )


class SQLiteSearchIndex(SearchIndex):
    def _write_terms(self, cursor, rows):
        cursor.executemany("INSERT INTO search_fts(rowid, title, body) VALUES (%s, %s, %s)", rows)

    def _delete_terms(self, cursor, pks):
        for start in range(0, len(pks), 500):
            chunk = pks[start : start + 500]
            cursor.execute(
                f"DELETE FROM search_fts WHERE rowid IN ({', '.join(['%s'] * len(chunk))})", chunk
            )

    def _lexical_sql(self, terms, allowed_sql, limit, every_word):
        match = _match_expression(terms, every_word)
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
        quoted = '"{}"'.format(term.replace('"', '""'))
        return (
            (
                "WITH matches AS MATERIALIZED (SELECT rowid AS id FROM search_fts WHERE search_fts MATCH %s) "
                f"SELECT count(*) FROM matches WHERE id IN ({namespace_sql})"
            ),
            ([quoted],),
        )

    # A bounded pool of the best BM25 matches, then the access rule. On 100 000 passages a
    # common query word matches ~20 000 of them; building the list of every readable document
    # (the generic path) cost more than the search itself. The result is exact: when a full
    # pool leaves fewer than `limit` readable matches, the query runs again with a larger one,
    # then without a pool.
    POOL = 2000
    # A term held by more than this share of the indexed documents adds little to BM25 (idf
    # below log 3, against 6 to 9 for the words that tell passages apart) but costs a score
    # for each of its matches. An any-word query leaves it out when other terms remain.
    # PIAF (1 279 questions, 645 passages): lexical mrr@10 0.8690 → 0.8695, fused unchanged
    # (0.8983); 100 000 passages: lexical p95 52 → 40 ms (docs/search.md).
    COMMON_TERM_SHARE = 0.25
    PRUNE_FROM_DOCUMENTS = 10_000  # below, every query is fast: nothing is left out

    @staticmethod
    def _total_documents(cursor) -> int:
        """Rows of the FTS5 table (every namespace, as FTS5's idf counts them).

        Read from FTS5's "averages" record (rowid 1 of its data table, a varint first), which
        FTS5 keeps exact at every write: count(*) would cost milliseconds on 100 000 rows.
        """
        cursor.execute("SELECT block FROM search_fts_data WHERE id = 1")
        row = cursor.fetchone()
        return _varint(bytes(row[0])) if row and row[0] else 0

    def selective_terms(self, terms: list[str]) -> list[str]:
        """`terms` without those found in more than COMMON_TERM_SHARE of the documents (all
        of them when every term is that common, or when the index is small)."""
        if len(terms) < 2:
            return terms
        with connections[self.using].cursor() as cursor:
            total = self._total_documents(cursor)
            if total < self.PRUNE_FROM_DOCUMENTS:
                return terms
            cursor.execute(
                f"SELECT term, doc FROM search_fts_vocab WHERE term IN ({', '.join(['%s'] * len(terms))})",
                terms,
            )
            documents = dict(cursor.fetchall())
        ceiling = self.COMMON_TERM_SHARE * total
        return [term for term in terms if documents.get(term, 0) <= ceiling] or terms

    def lexical_ranking(self, namespace, query, access, limit=50, filters=None, every_word=False):
        if filters:
            return super().lexical_ranking(namespace, query, access, limit, filters, every_word)
        terms = query_terms(query)
        tokens = sorted(set(access))
        if not terms or not tokens:
            return []
        if not every_word:  # with every word required, each term narrows the matches: all stay
            terms = self.selective_terms(terms)
        match = _match_expression(terms, every_word)
        # A caller asking for at least a pool's worth (the register counts every match for its
        # facets) goes straight to the unbounded query instead of running both.
        if limit < self.POOL:
            for pool in dict.fromkeys((min(self.FIRST_POOL * limit, self.POOL), self.POOL)):
                rows, pooled = self._best_readable(match, namespace, tokens, limit, pool)
                # A pool not filled held every match: a larger one would find no more.
                if len(rows) >= limit or pooled < pool:
                    return rows
        with connections[self.using].cursor() as cursor:
            cursor.execute(
                f"WITH matches AS MATERIALIZED (SELECT rowid AS id, bm25(search_fts, {TITLE_WEIGHT}, 1.0) AS rank "
                "FROM search_fts WHERE search_fts MATCH %s) "
                "SELECT m.id, -m.rank FROM matches m JOIN search_document d ON d.id = m.id "
                "WHERE d.namespace = %s AND EXISTS (SELECT 1 FROM search_access a WHERE a.document_id = m.id "
                f"AND a.token IN ({', '.join(['%s'] * len(tokens))})) ORDER BY m.rank, m.id LIMIT %s",
                [match, namespace, *tokens, limit],
            )
            return [(pk, float(score)) for pk, score in cursor.fetchall()]

    # The pool's rows are read best first, a slice at a time, and only those are checked
    # against the access rule, until `limit` are readable: joining all POOL rows to their
    # documents and tokens cost a quarter of the statement on 44 418 passages (asst20m,
    # docs/assistant.md). First slice: FIRST_SLICE × limit rows, then four times more each time.
    # The first pool holds FIRST_POOL × limit rows (SQLite keeps a smaller sorted set); only when
    # it is full and leaves fewer than `limit` readable is the search run again with POOL.
    FIRST_SLICE = 2
    FIRST_POOL = 4

    def _best_readable(self, match, namespace, tokens, limit, pool_size) -> tuple[list, int]:
        """(the `limit` best readable matches among the `pool_size` best, pool rows read)."""
        conn = connections[self.using]
        rows: list[tuple[int, float]] = []
        pooled, size = 0, self.FIRST_SLICE * limit
        with conn.cursor() as pool, conn.cursor() as cursor:
            pool.execute(
                f"SELECT rowid, -bm25(search_fts, {TITLE_WEIGHT}, 1.0) AS score FROM search_fts "
                "WHERE search_fts MATCH %s ORDER BY score DESC, rowid LIMIT %s",
                [match, pool_size],
            )
            while len(rows) < limit:
                part = pool.fetchmany(size)
                if not part:
                    break
                pooled, size = pooled + len(part), size * 4
                # The access rule (`allowed_queryset`) for a list of rowids. `+d.namespace`:
                # rows looked up by primary key; without statistics SQLite would walk the
                # namespace's index instead (every passage of the collection).
                cursor.execute(
                    f"SELECT d.id FROM search_document d WHERE d.id IN ({', '.join(['%s'] * len(part))}) "
                    "AND +d.namespace = %s AND EXISTS (SELECT 1 FROM search_access a "
                    f"WHERE a.document_id = d.id AND a.token IN ({', '.join(['%s'] * len(tokens))}))",
                    [*(pk for pk, _s in part), namespace, *tokens],
                )
                readable = {pk for (pk,) in cursor.fetchall()}
                rows += [(pk, float(score)) for pk, score in part if pk in readable]
        return rows[:limit], pooled
