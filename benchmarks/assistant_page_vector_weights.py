"""Diagnosis of the page vectors' weight (issue 20), one process, the same passage-search hits per
question: `python benchmarks/assistant_page_vector_weights.py fiches DATA_DIR CORPUS` (DATA_DIR of
`benchmarks.assistant_fiches --live`, CORPUS its fiches folder) or `… piaf DATA_DIR` (DATA_DIR of
`benchmarks/assistant_devsets_diag.py`, collection "diag-piaf"). Weight 0 = words only (before the
page vectors), 1 = equal weights (the page-vector change before 6461e21). Figures in
benchmarks/results/assistant_devsets_pages_diag.json."""

import json
import random
import statistics
import sys
import tempfile
from pathlib import Path

from benchmarks import setup_django

which = sys.argv[1]
setup_django(Path(sys.argv[2]), embedded=True, migrate=True)
from benchmarks.assistant_common import hybrid_hits
from territoria.assistant.models import Collection
from territoria.assistant.services import answering, page_vectors
from territoria.search import get_index
from territoria.search.access import PUBLIC
from territoria.search.embeddings import default_embedder
from territoria.search.fusion import distribution_score_fusion

col = Collection.objects.get(slug="fiches" if which == "fiches" else "diag-piaf")
docs = {str(d.pk): Path(d.source).stem for d in col.documents.all()}
if which == "fiches":
    qs = json.loads(Path("benchmarks/data/fiches_citizen_questions.json").read_text("utf-8"))[
        "questions"
    ]
    corpus = Path(sys.argv[3])
    rng = random.Random(20)
    for doc in rng.sample(sorted(docs.values()), 100):
        first = (
            (corpus / f"{doc}.md")
            .read_text(encoding="utf-8")
            .split("\n", 1)[0]
            .removeprefix("# ")
            .strip()
        )
        if first:
            qs.append({"question": first, "gold": doc, "half": "titles"})
else:
    from benchmarks.assistant_common import PIAF
    from benchmarks.assistant_devsets import subset
    from territoria.assistant.services.evaluation import load_questions, slug, squad_corpus

    sp = json.loads(Path("benchmarks/data/heldout_split.json").read_text("utf-8"))["piaf_articles"]
    half = {slug(t): h for h in sp for t in sp[h]}
    w = Path(tempfile.mkdtemp())
    squad_corpus(PIAF, w / "c", w / "q.json")
    subset(w / "q.json", w / "q.json", 3)
    qs = [
        {
            "question": q["question"],
            "gold": slug(q["title"]),
            "half": half.get(slug(q["title"]), "?"),
        }
        for q in load_questions(w / "q.json")
    ]
emb = page_vectors.QueryOnce(default_embedder())
index = get_index()
ns = col.namespace
access = [PUBLIC]
from territoria.assistant.services import pages

pages.page_index(ns, access, wait=True)
W = [0.0, 0.2, 0.3, 0.5, 1.0]
rows = []
for q in qs:
    question = q["question"]
    hits, lexical = hybrid_hits(index, ns, question, access, emb)
    dense = page_vectors.ranking(ns, emb.embed_query(question), access)
    cos = [c for _d, c in dense]
    row = {
        "half": q["half"],
        "gap": (cos[0] - statistics.fmean(cos)) if cos else 0,
        "z": ((cos[0] - statistics.fmean(cos)) / (statistics.pstdev(cos) or 1)) if cos else 0,
        "dense_hits": sum(1 for h in hits if "dense" in (h.ranks or {})),
        "rr": {},
    }
    base = answering.rank_pages(ns, question, lexical, access, hits, None)[1]
    pindex = pages.page_index(ns, access)
    vectors = [(d, c) for d, c in dense if d in pindex._numbers]
    for w in W:
        # The afternoon's rank_pages (8ff0ea5..6461e21~1) with the page vectors at weight w.
        if not w or not vectors:
            r = base
        elif len(base) >= page_vectors.MIN_FUSED:
            r = distribution_score_fusion([base, vectors], [1.0, w])
        else:
            kept = {d for d, _s in base}
            floor = min((s for _d, s in base), default=0.0)
            r = base + [(d, floor - 1.0 - i) for i, (d, _c) in enumerate(vectors) if d not in kept]
        order = [docs.get(d, d) for d, _ in r][:10]
        row["rr"][w] = 1 / (order.index(q["gold"]) + 1) if q["gold"] in order else 0
    row["npages"] = len(answering.rank_pages(ns, question, lexical, access, hits, None)[1])
    rows.append(row)
Path(tempfile.gettempdir(), f"page-vector-weights-{which}.json").write_text(json.dumps(rows))
for h in sorted({r["half"] for r in rows}):
    sel = [r for r in rows if r["half"] == h]
    print(
        h, len(sel), {w: round(sum(r["rr"][w] for r in sel) / len(sel), 4) for w in W}, flush=True
    )
