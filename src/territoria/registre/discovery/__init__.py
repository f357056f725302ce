"""Discovery of the register: search (French full-text + semantic, fused), facets, similar
projects, map points and dashboards — built on the shared search core `territoria.search`.

Modules: `documents` (what is indexed, with which access tokens), `indexing` (keeping the index
up to date, signals, re-indexing), `text` (matching a text query), `table` (in-process facet
columns), `service` (the query service used by pages and API), `similar`, `mapdata`, `dashboard`.
See docs/registre-discovery.md.
"""
