"""Codes from Légifrance's LEGI dump, as texts of an assistant collection.

Issue 19: « every legal reference is well formed and, when the referenced text is in a
collection, exists ». The official text of the codes is published by the DILA as open data
(the « LEGI » base, Licence Ouverte 2.0: redistributable): a dump of XML files, one per article
version (`…/LEGITEXT000006070633/article/LEGI/ARTI/…/LEGIARTI….xml` for the CGCT), each with

    <ARTICLE><META>… <META_ARTICLE><NUM>L2121-29</NUM><ETAT>VIGUEUR</ETAT>
      <DATE_DEBUT>…</DATE_DEBUT><DATE_FIN>2999-01-01</DATE_FIN></META_ARTICLE> …</META>
    <CONTEXTE><TEXTE cid="…" nature="CODE"><TITRE_TXT c_titre_court="…" debut="…" fin="…"
      id_txt="LEGITEXT…">Code général des collectivités territoriales</TITRE_TXT>
      <TM><TITRE_TM …>Partie législative</TITRE_TM> …</TM></TEXTE></CONTEXTE>
    <BLOC_TEXTUEL><CONTENU><p>Le conseil municipal règle …</p></CONTENU></BLOC_TEXTUEL></ARTICLE>

`read_legi` reads such a tree (a folder, or the dump's `.tar.gz` as published) and keeps, for
each code, the articles **in force** at a date (DATE_DEBUT ≤ date <
DATE_FIN, whatever the state it has reached since — a version replaced later is « MODIFIE »,
one repealed « ABROGE » —, never a cancelled one; when several versions of one number qualify,
the latest start wins); the other
files of the dump (sections, text versions, laws that are not codes) are passed over.
`write_codes` writes one Markdown file per code — « # Code général des collectivités
territoriales », then « ## Article L2121-29 » and its text, in the code's order — and
`import_codes` adds them to an assistant collection through the assistant's own ingestion, so
the code is searchable there, and the deliberation checks find it for the agents who may read
that collection (`legal_sources.py`): the article-existence check then runs on the real list
of articles in force.

Bad input: a file that is not XML, an article without its number or its code, entity
declarations (refused: no entity expansion), no article in force at all — a French message
naming the file, and nothing written.
"""

from __future__ import annotations

import re
import tarfile
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

MAX_FILE_BYTES = 5 * 1024 * 1024  # one article file; real ones are a few kB
MAX_ARTICLES = 200_000  # the whole LEGI base holds ~1.5 million article versions, codes ~300 000
NO_END = "2999-01-01"


class LegiError(ValueError):
    """A dump that cannot be imported, with every problem in French."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        shown = problems[:20]
        more = f"\n… et {len(problems) - 20} autre(s)." if len(problems) > 20 else ""
        super().__init__("Import LEGI refusé, rien n'a été écrit :\n" + "\n".join(shown) + more)


@dataclass
class LegiArticle:
    id: str
    number: str
    state: str
    start: str
    end: str
    code_id: str
    code_title: str
    path: list[str]
    text: str


@dataclass
class LegiCode:
    id: str
    title: str
    articles: list[LegiArticle] = field(default_factory=list)
    skipped: int = 0  # versions not in force at the date
    # numbers with no version in force at the date whose last version was repealed before it
    # (ETAT « ABROGE »): number → end date, so that a draft citing one is told « abrogé »
    repealed: dict[str, str] = field(default_factory=dict)


def _text(element) -> str:
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def _paragraphs(element) -> str:
    """The article's text, one paragraph per <p> or <br/>."""
    if element is None:
        return ""
    raw = ET.tostring(element, encoding="unicode", method="xml")
    raw = re.sub(r"<br\s*/?>|</p>|</li>|</tr>", "\n", raw)
    raw = re.sub(r"<[^>]+>", " ", raw)
    import html

    lines = [" ".join(html.unescape(line).split()) for line in raw.split("\n")]
    return "\n\n".join(line for line in lines if line)


def _title_at(texte, when: str) -> tuple[str, str]:
    """(title, LEGITEXT id) of the code valid at `when` among the TITRE_TXT of CONTEXTE/TEXTE
    (a code renamed keeps its old titles, dated); the last one when none is dated right."""
    titles = texte.findall("TITRE_TXT") if texte is not None else []
    chosen = None
    for title in titles:
        start, end = title.get("debut") or "", title.get("fin") or NO_END
        if start and start != NO_END and start <= when < end:
            chosen = title
    chosen = chosen if chosen is not None else (titles[-1] if titles else None)
    if chosen is None:
        return "", ""
    code_id = chosen.get("id_txt") or (texte.get("cid") if texte is not None else "") or ""
    return _text(chosen), code_id


def parse_article(data: bytes, name: str, when: str) -> LegiArticle | None:
    """One LEGI file → its article (None: not an article of a code — a section, a text's
    version, an article of a law). Raises ValueError with a French message."""
    if len(data) > MAX_FILE_BYTES:
        raise ValueError(f"{name} : fichier trop volumineux pour un article LEGI.")
    if b"<!ENTITY" in data:
        raise ValueError(f"{name} : déclaration d'entités refusée (fichier XML non conforme).")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        raise ValueError(f"{name} : XML illisible ({error}).") from error
    if root.tag != "ARTICLE":
        return None
    texte = root.find("CONTEXTE/TEXTE")
    if texte is not None and (texte.get("nature") or "CODE").upper() != "CODE":
        return None
    number = _text(root.find("META/META_SPEC/META_ARTICLE/NUM"))
    if not number:
        raise ValueError(f"{name} : article sans numéro (élément META_ARTICLE/NUM vide).")
    title, code_id = _title_at(texte, when)
    if not title:
        raise ValueError(f"{name} : article {number} sans code (élément CONTEXTE/TEXTE/TITRE_TXT).")
    meta = root.find("META/META_SPEC/META_ARTICLE")
    return LegiArticle(
        id=_text(root.find("META/META_COMMUN/ID")) or name,
        number=number,
        state=_text(meta.find("ETAT")).upper(),
        start=_text(meta.find("DATE_DEBUT")),
        end=_text(meta.find("DATE_FIN")) or NO_END,
        code_id=code_id,
        code_title=title,
        path=[_text(t) for t in texte.iter("TITRE_TM")] if texte is not None else [],
        text=_paragraphs(root.find("BLOC_TEXTUEL/CONTENU")),
    )


def _files(source: Path) -> Iterator[tuple[str, bytes]]:
    """(name, content) of every .xml of a folder or of a .tar.gz / .tgz / .tar dump."""
    if source.is_dir():
        for path in sorted(source.rglob("*.xml")):
            if path.is_file() and not any(
                p.startswith(".") for p in path.relative_to(source).parts
            ):
                if path.stat().st_size > MAX_FILE_BYTES:
                    yield path.relative_to(source).as_posix(), b"x" * (MAX_FILE_BYTES + 1)
                else:
                    yield path.relative_to(source).as_posix(), path.read_bytes()
        return
    if source.is_file() and tarfile.is_tarfile(source):
        with tarfile.open(source) as archive:
            for member in archive:
                if not member.isfile() or not member.name.endswith(".xml"):
                    continue
                if member.size > MAX_FILE_BYTES:
                    yield member.name, b"x" * (MAX_FILE_BYTES + 1)
                    continue
                handle = archive.extractfile(member)
                if handle is not None:
                    yield member.name, handle.read()
        return
    if source.exists():
        raise LegiError([f"{source.name} : ni un dossier ni une archive .tar.gz de la base LEGI."])
    raise LegiError([f"{source} : introuvable."])


def _wanted(article: LegiArticle, codes: list[str]) -> bool:
    """Whether the article belongs to one of `codes`: a LEGITEXT id, a short name of
    legal.CODES (« CGCT », « CRPA »…) or the code's title."""
    from territoria.redaction.services.legal import CODES, _fold

    if not codes:
        return True
    title = _fold(article.code_title).strip()
    for code in codes:
        upper = code.strip().upper()
        if upper.startswith("LEGITEXT") and article.code_id.upper() == upper:
            return True
        if upper in CODES and _fold(CODES[upper]) == title:
            return True
        if _fold(code).strip() == title:
            return True
    return False


def read_legi(
    source: Path, when: date | None = None, codes: list[str] | None = None
) -> list[LegiCode]:
    """The codes of a LEGI tree with their articles in force at `when` (default: today).
    `codes` keeps only these (LEGITEXT id, or exact title, or initials such as « CGCT »)."""
    moment = (when or date.today()).isoformat()
    wanted = list(codes or [])
    problems: list[str] = []
    by_code: dict[str, LegiCode] = {}
    best: dict[tuple[str, str], LegiArticle] = {}
    last_ended: dict[tuple[str, str], LegiArticle] = {}  # the latest version ended by the date
    seen = 0
    for name, data in _files(Path(source)):
        try:
            article = parse_article(data, name, moment)
        except ValueError as error:
            problems.append(str(error))
            continue
        if article is None or not _wanted(article, wanted):
            continue
        seen += 1
        if seen > MAX_ARTICLES:
            raise LegiError([f"plus de {MAX_ARTICLES} articles : choisissez les codes (--code)."])
        code = by_code.setdefault(article.code_id, LegiCode(article.code_id, article.code_title))
        # in force at the date: its dates hold it (a version replaced since is « MODIFIE »,
        # one repealed since « ABROGE », both with their end date); a cancelled one never was
        in_force = (
            article.state not in ("ANNULE", "MODIFIE_MORT_NE", "PERIME")
            and article.start <= moment < article.end
        )
        key = (article.code_id, article.number)
        if not in_force:
            code.skipped += 1
            if article.end <= moment and (
                key not in last_ended or article.end > last_ended[key].end
            ):
                last_ended[key] = article
            continue
        if key not in best or article.start > best[key].start:
            if key in best:
                code.skipped += 1
            best[key] = article
        else:
            code.skipped += 1
    if problems:
        raise LegiError(problems)
    for (code_id, _number), article in best.items():
        by_code[code_id].articles.append(article)
    for key, article in last_ended.items():
        if key not in best and article.state == "ABROGE":
            by_code[key[0]].repealed[article.number] = article.end
    found = [c for c in by_code.values() if c.articles]
    if not found:
        raise LegiError(
            [
                f"aucun article de code en vigueur au {moment} dans {Path(source).name}"
                + (f" pour {', '.join(codes or [])}" if codes else "")
                + " (fichiers ARTICLE de la base LEGI attendus)."
            ]
        )
    for code in found:
        code.articles.sort(key=lambda a: article_order(a.number))
    return sorted(found, key=lambda c: c.title)


def article_order(number: str) -> tuple:
    """L1111-1 < L1111-2 < L1111-10 < L2121-29 < R1111-1 (the part letter after the numbers:
    the legislative part comes first in a code)."""
    letters = re.match(r"[A-Z]*", number).group()
    digits = [int(n) for n in re.findall(r"\d+", number)]
    rank = {"LO": 0, "L": 1, "R": 2, "D": 3, "A": 4}.get(letters, 5)
    return (rank, digits, number)


def slug(text: str) -> str:
    import unicodedata

    folded = unicodedata.normalize("NFD", text.lower())
    folded = "".join(c for c in folded if unicodedata.category(c) != "Mn")
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")[:80] or "code"


def markdown(code: LegiCode, when: date | None = None) -> str:
    moment = (when or date.today()).isoformat()
    lines = [
        f"# {code.title}",
        "",
        (
            f"Articles en vigueur au {moment} ({len(code.articles)} articles), texte consolidé "
            f"de la base LEGI de la DILA (Légifrance), identifiant {code.id}, Licence Ouverte 2.0."
        ),
        "",
    ]
    for article in code.articles:
        lines += [f"## Article {article.number}", ""]
        if article.path:
            lines += [" › ".join(article.path), ""]
        lines += [article.text or "(texte vide dans la base)", ""]
    if code.repealed:
        lines += ["## Articles abrogés", ""]
        for number in sorted(code.repealed, key=article_order):
            lines.append(f"- {number} : abrogé le {code.repealed[number]}")
        lines.append("")
    return "\n".join(lines)


def write_codes(codes: list[LegiCode], folder: Path, when: date | None = None) -> list[Path]:
    """One Markdown file per code in `folder` (named after the code, which names it a code for
    the existence check)."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for code in codes:
        name = slug(code.title)
        if not name.startswith("code"):
            name = f"code-{name}"
        path = folder / f"{name}.md"
        path.write_text(markdown(code, when), encoding="utf-8")
        written.append(path)
    return written


def import_codes(source: Path, collection, when: date | None = None, codes=None, user=None):
    """Read, write and index the codes into `collection` (an assistant Collection). Returns
    (the codes, the ingestion job). Nothing is written when the dump is refused."""
    from django.conf import settings

    from territoria.assistant.services.ingestion import add_files, run_job

    found = read_legi(source, when, codes)
    folder = Path(settings.MEDIA_ROOT) / "redaction" / "legi" / collection.slug
    paths = write_codes(found, folder, when)
    job = add_files(collection, [(p, f"legi/{p.name}") for p in paths], user)
    run_job(job)
    return found, job
