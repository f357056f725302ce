"""`python -m benchmarks redaction_legi [--articles 10000]`: the cost of a code imported from
LEGI (services/legi.py) — reading the dump, writing the code, indexing it in an assistant
collection (lexical phase; embeddings are the assistant's own cost, not measured here) — and
the cost it adds to each save of a draft: `legal_sources` (every passage of the code the agent
may read) + `check_references`, against the same check with no code (the baseline, same run).

The dump is synthetic, in LEGI's layout (the real one is not available offline): a code the size
of the CGCT (~10 000 articles in force, a third with a former version), each article's text a
sentence of PIAF (`TERRITORIA_SHARED_DATA/assistant/piaf-v1.0.json`; a fixed sentence without
it). Writes benchmarks/results/redaction_legi.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from benchmarks import SHARED_DATA
from benchmarks.assistant_common import setup_django, write_result

CGCT = ("LEGITEXT000006070633", "Code général des collectivités territoriales")


def _article(id_, number, state, start, end, text):
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<ARTICLE><META><META_COMMUN>'
        f"<ID>{id_}</ID><NATURE>Article</NATURE></META_COMMUN><META_SPEC><META_ARTICLE>"
        f"<NUM>{number}</NUM><ETAT>{state}</ETAT><DATE_DEBUT>{start}</DATE_DEBUT>"
        f"<DATE_FIN>{end}</DATE_FIN><TYPE>AUTONOME</TYPE></META_ARTICLE></META_SPEC></META>"
        f'<CONTEXTE><TEXTE cid="{CGCT[0]}" nature="CODE"><TITRE_TXT c_titre_court="{CGCT[1]}" '
        f'debut="1996-02-24" fin="2999-01-01" id_txt="{CGCT[0]}">{CGCT[1]}</TITRE_TXT>'
        '<TM><TITRE_TM debut="1996-02-24" fin="2999-01-01" id="LEGISCTA1">Partie législative'
        "</TITRE_TM></TM></TEXTE></CONTEXTE>"
        f"<BLOC_TEXTUEL><CONTENU><p>{text}</p></CONTENU></BLOC_TEXTUEL></ARTICLE>\n"
    )


def _sentences() -> list[str]:
    path = SHARED_DATA / "assistant" / "piaf-v1.0.json"
    if not path.exists():
        return ["Le conseil municipal règle par ses délibérations les affaires de la commune."]
    found = []
    for article in json.loads(path.read_text(encoding="utf-8"))["data"]:
        for paragraph in article["paragraphs"]:
            found += [s for s in paragraph["context"].split(". ") if len(s.split()) > 8]
    return [s.replace("&", "et").replace("<", " ").replace(">", " ") for s in found]


def make_dump(folder: Path, articles: int) -> list[str]:
    """A synthetic CGCT in LEGI's layout; returns the article numbers in force."""
    sentences = _sentences()
    numbers = []
    base = folder / CGCT[0] / "article" / "LEGI" / "ARTI"
    base.mkdir(parents=True)
    for i in range(articles):
        letter = "L" if i < articles // 2 else "R"
        j = i % (articles // 2)
        number = f"{letter}{1111 + j // 12}-{j % 12 + 1}"
        numbers.append(number)
        text = " ".join(sentences[(i * 3 + k) % len(sentences)] for k in range(3))
        (base / f"LEGIARTI9{i:011d}.xml").write_text(
            _article(f"LEGIARTI9{i:011d}", number, "VIGUEUR", "2010-01-01", "2999-01-01", text),
            encoding="utf-8",
        )
        if i % 3 == 0:  # a former version
            (base / f"LEGIARTI8{i:011d}.xml").write_text(
                _article(f"LEGIARTI8{i:011d}", number, "MODIFIE", "1996-02-24", "2010-01-01", "…"),
                encoding="utf-8",
            )
    return numbers


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m benchmarks redaction_legi")
    parser.add_argument("--articles", type=int, default=10_000)
    args = parser.parse_args(argv)
    os.environ.setdefault("TERRITORIA_SECRET_KEY", "benchmark-only-secret-key-0123456789abcdefghij")
    setup_django("redaction-legi")
    from datetime import date

    from territoria.assistant.models import Collection, Visibility
    from territoria.assistant.services.ingestion import add_files, index_document
    from territoria.core.models import Organisation, OrganisationType, Role, User
    from territoria.redaction.services.legal import check_references
    from territoria.redaction.services.legal_sources import legal_sources
    from territoria.redaction.services.legi import read_legi, write_codes

    work = Path(tempfile.mkdtemp(prefix="territoria-legi-"))
    numbers = make_dump(work / "dump", args.articles)
    files = sum(1 for _ in (work / "dump").rglob("*.xml"))

    started, cpu = time.perf_counter(), time.process_time()
    codes = read_legi(work / "dump", date(2026, 12, 3))
    read_s, read_cpu = time.perf_counter() - started, time.process_time() - cpu
    (path,) = write_codes(codes, work / "codes", date(2026, 12, 3))

    organisation = Organisation.objects.create(
        name="Ville de Banc", siret="21930051400011", type=OrganisationType.COMMUNE
    )
    agent = User.objects.create_user(
        username="agent", password="motdepasse-bench-1", role=Role.AGENT, organisation=organisation
    )
    collection = Collection.objects.create(
        slug="codes", name="Codes", organisation=organisation, visibility=Visibility.ORGANISATION
    )
    job = add_files(collection, [(path, f"legi/{path.name}")])
    document = job.documents.get()
    started, cpu = time.perf_counter(), time.process_time()
    assert index_document(document), document.error
    index_s, index_cpu = time.perf_counter() - started, time.process_time() - cpu
    document.refresh_from_db()

    visas = (
        f"Vu le code général des collectivités territoriales, notamment ses articles "
        f"{numbers[17][0]}. {numbers[17][1:]} et {numbers[-5][0]}. {numbers[-5][1:]},\n"
        "Vu l'article L. 1999-1 du code général des collectivités territoriales,"
    )

    from territoria.assistant.services.sources import document_passages
    from territoria.redaction.services import legal_sources as sources_module
    from territoria.search.access import access_tokens

    def full_text():
        """The reading before this benchmark's change: every passage's text, joined."""
        passages = document_passages(document, access_tokens(agent))
        return [document.title + "\n" + "\n".join(f"{p.section}\n{p.text}" for p in passages)]

    def save_check(kind: str):
        if kind == "with_code_first_save":
            sources_module._CACHE.clear()
        started = time.perf_counter()
        if kind.startswith("with_code"):
            sources = [s.text for s in legal_sources(agent)]
        elif kind == "before_full_text":
            sources = full_text()
        else:
            sources = []
        references = check_references(visas, sources)
        return time.perf_counter() - started, {r.number: r.verified for r in references}

    kinds = ("with_code_first_save", "with_code", "before_full_text", "baseline_no_code")
    runs = {k: [] for k in kinds}
    verdicts = {}
    for _ in range(3):
        for key in kinds:
            seconds, verdicts[key] = save_check(key)
            runs[key].append(seconds)
    result = {
        "command": "OMP_NUM_THREADS=1 python -m benchmarks redaction_legi",
        "synthetic_dump": {
            "articles_in_force": len(numbers),
            "xml_files": files,
            "markdown_mb": round(path.stat().st_size / 1_048_576, 2),
            "passages": document.chunk_count,
        },
        "read_legi": {"wall_s": round(read_s, 2), "cpu_s": round(read_cpu, 2)},
        "index_lexical": {"wall_s": round(index_s, 2), "cpu_s": round(index_cpu, 2)},
        "check_at_each_save_median_s": {k: round(statistics.median(v), 3) for k, v in runs.items()},
        "verdicts": verdicts,
    }
    write_result("redaction_legi", result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
