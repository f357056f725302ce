"""Diagnosis (issue 20): `python benchmarks/assistant_devsets_diag.py DATA_DIR piaf 3` — PIAF (all
191 articles, indexed once in DATA_DIR, collection "diag-piaf"), every 3rd question; page-ranking
variants computed from the same passage-search hits per question. "live rank_pages" is the code
of the checkout (at 6461e21~1: the page vectors fused at equal weight; since 6461e21 they are not
read when the passages have vectors, so it equals "before"). Figures in
benchmarks/results/assistant_devsets_pages_diag.json."""

import json
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import setup_django

data = Path(sys.argv[1])
data.mkdir(exist_ok=True)
setup_django(data, embedded=True, migrate=True)
from benchmarks.assistant_common import PIAF, hybrid_hits
from benchmarks.assistant_devsets import subset
from territoria.assistant.models import Collection, Visibility
from territoria.assistant.services import answering, page_vectors, pages
from territoria.assistant.services.evaluation import load_questions, slug, squad_corpus
from territoria.assistant.services.ingestion import add_files, collect_files, run_job
from territoria.search import get_index
from territoria.search.access import PUBLIC
from territoria.search.embeddings import default_embedder
from territoria.search.fusion import distribution_score_fusion

work = Path(tempfile.mkdtemp())
name = sys.argv[2] if len(sys.argv) > 2 else "piaf"
step = int(sys.argv[3]) if len(sys.argv) > 3 else 3
src = PIAF if name == "piaf" else PIAF.parent / "crpa-squad.json"
squad_corpus(src, work / "c", work / "q.json")
if step > 1:
    subset(work / "q.json", work / "q.json", step)
col = Collection.objects.filter(slug=f"diag-{name}").first()
if col is None:
    col = Collection.objects.create(slug=f"diag-{name}", name="diag", visibility=Visibility.PUBLIC)
    t = time.time()
    job = add_files(col, collect_files(work / "c"))
    run_job(job)
    print("indexed", time.time() - t, flush=True)
docs = {str(d.pk): Path(d.source).stem for d in col.documents.all()}
ids = set(docs.values())
qs = load_questions(work / "q.json")
emb = page_vectors.QueryOnce(default_embedder())
access = [PUBLIC]
ns = col.namespace
index = get_index()
variants = {}


def add(name, order, gold):
    order = [docs.get(d, d) for d, _ in order][:10]
    variants.setdefault(name, []).append(1 / (order.index(gold) + 1) if gold in order else 0.0)


rows = []
for q in qs:
    gold = q["title"] if q["title"] in ids else slug(q["title"])
    question = q["question"]
    hits, lexical = hybrid_hits(index, ns, question, access, emb)
    pindex = pages.page_index(ns, access)
    passage_pages, seen = [], set()
    for h in hits:
        d = str(h.fields.get("document"))
        if d not in seen:
            passage_pages.append((d, h.score))
            seen.add(d)
    ranked = pindex.search(lexical, limit=pages.PAGE_CANDIDATES)
    base = pages.fused_pages(pindex, lexical, passage_pages)
    dense = [
        (d, c)
        for d, c in page_vectors.ranking(ns, emb.embed_query(question), access)
        if d in pindex._numbers
    ]
    add("before (page index + passages)", base, gold)
    add("passages only", passage_pages, gold)
    add("page index only", ranked, gold)
    add("page vectors only", dense, gold)
    for w in (1.0, 0.5, 0.3, 0.2):
        add(
            f"after: fused(base, vectors) w={w}",
            distribution_score_fusion([base, dense], [1.0, w]),
            gold,
        )
    for w in (1.0, 0.5):
        add(
            f"three lists (index, passages, vectors w={w})",
            distribution_score_fusion([ranked, passage_pages, dense], [1, 1, w]),
            gold,
        )
    live = answering.rank_pages(ns, question, lexical, access, hits, emb)[1]
    add("live rank_pages", live, gold)
    rows.append(
        {
            "q": question,
            "gold": gold,
            "base": [docs[d] for d, _ in base[:5]],
            "live": [docs[d] for d, _ in live[:5]],
            "dense": [docs[d] for d, _ in dense[:5]],
            "nbase": len(base),
        }
    )
out = {k: round(sum(v) / len(v), 4) for k, v in variants.items()}
print(json.dumps({"questions": len(qs), **out}, indent=1, ensure_ascii=False))
Path(tempfile.gettempdir(), f"devsets-diag-{name}-rows.json").write_text(
    json.dumps(rows, ensure_ascii=False, indent=0)
)
Path(tempfile.gettempdir(), f"devsets-diag-{name}-mrr.json").write_text(json.dumps(variants))
