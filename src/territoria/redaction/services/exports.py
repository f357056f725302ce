"""Exports to DOCX and ODT — from the collectivité's own template when it has one — and Markdown.

A template is a DOCX or ODT file whose paragraphs hold placeholders, each alone in its
paragraph for the lists: {{titre}}, {{seance}}, {{assemblee}}, {{visas}}, {{considerants}},
{{dispositif}}, {{vote}}. The required ones are {{titre}}, {{visas}}, {{considerants}} and
{{dispositif}}: a template without them is refused with the list of what is missing. A list
placeholder's paragraph is repeated once per line with the paragraph's own style, so the
house layout (fonts, margins, header with the logo) is kept.
"""

from __future__ import annotations

import io
import re
import zipfile

from territoria.redaction.services.acts import Act, vote_line

PLACEHOLDERS = ("titre", "seance", "assemblee", "visas", "considerants", "dispositif", "vote")
REQUIRED = ("titre", "visas", "considerants", "dispositif")
_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024


class TemplateError(Exception):
    """A template that cannot be used; the message says what to fix."""


def _values(act: Act) -> dict[str, list[str]]:
    articles = [
        f"{'Article 1er' if i == 1 else f'Article {i}'} : {text}"
        for i, text in enumerate(act.articles, start=1)
    ]
    return {
        "titre": [act.title],
        "seance": [f"Séance du {act.date}" if act.date else ""],
        "assemblee": [act.body],
        "visas": [f"{v.rstrip(' ;')} ;" for v in act.visas],
        "considerants": [f"{c.rstrip(' ;')} ;" for c in act.considerants],
        "dispositif": articles,
        "vote": [vote_line(act)],
    }


# --- checking a template -------------------------------------------------------------------
def template_placeholders(content: bytes, fmt: str) -> list[str]:
    """The placeholders of a template; TemplateError when it is unreadable or lacks required ones."""
    if not content:
        raise TemplateError("Le modèle est vide.")
    if len(content) > MAX_TEMPLATE_BYTES:
        raise TemplateError("Le modèle dépasse 5 Mo.")
    try:
        texts = _docx_paragraphs(content) if fmt == "docx" else _odt_paragraphs(content)
    except TemplateError:
        raise
    except Exception as error:  # every library raises its own kind on a corrupt file
        raise TemplateError(
            f"Le modèle {fmt.upper()} est illisible ou corrompu ({type(error).__name__})."
        ) from error
    found = list(dict.fromkeys(m for t in texts for m in _PLACEHOLDER.findall(t)))
    missing = [name for name in REQUIRED if name not in found]
    if missing:
        raise TemplateError(
            "Le modèle ne contient pas les champs attendus : "
            + ", ".join("{{" + m + "}}" for m in missing)
            + ". Ajoutez-les, chacun seul dans son paragraphe (champs possibles : "
            + ", ".join("{{" + p + "}}" for p in PLACEHOLDERS)
            + ")."
        )
    unknown = [name for name in found if name not in PLACEHOLDERS]
    if unknown:
        raise TemplateError(
            "Champ(s) inconnu(s) dans le modèle : "
            + ", ".join("{{" + u + "}}" for u in unknown)
            + "."
        )
    return found


def _check_zip(content: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            total = sum(i.file_size for i in archive.infolist())
    except zipfile.BadZipFile as error:
        raise TemplateError("Le modèle n'est pas un fichier DOCX ou ODT valide.") from error
    if total > 40 * MAX_TEMPLATE_BYTES:
        raise TemplateError("Le modèle décompressé est trop volumineux (bombe de décompression ?).")


def _docx_paragraphs(content: bytes) -> list[str]:
    import docx

    _check_zip(content)
    document = docx.Document(io.BytesIO(content))
    return [p.text for p in document.paragraphs]


def _odt_paragraphs(content: bytes) -> list[str]:
    from odf import teletype, text
    from odf.opendocument import load

    _check_zip(content)
    document = load(io.BytesIO(content))
    return [teletype.extractText(p) for p in document.getElementsByType(text.P)]


# --- DOCX ----------------------------------------------------------------------------------
def act_docx(act: Act, template: bytes | None = None) -> bytes:
    import docx

    if template is None:
        document = docx.Document()
        document.add_heading(act.title or "Délibération", level=1)
        if act.date:
            document.add_paragraph(f"Séance du {act.date}")
        document.add_paragraph(f"{act.body},")
        values = _values(act)
        for line in values["visas"] + values["considerants"]:
            document.add_paragraph(line)
        document.add_paragraph("Après en avoir délibéré,")
        document.add_paragraph("DÉCIDE :").runs[0].bold = True
        for line in values["dispositif"]:
            document.add_paragraph(line)
        if values["vote"][0]:
            document.add_paragraph(values["vote"][0])
    else:
        template_placeholders(template, "docx")
        document = docx.Document(io.BytesIO(template))
        values = _values(act)
        for paragraph in list(document.paragraphs):
            names = _PLACEHOLDER.findall(paragraph.text)
            if not names:
                continue
            if len(names) == 1 and paragraph.text.strip() == "{{" + names[0] + "}}":
                lines = values.get(names[0], [""]) or [""]
                _set_docx_text(paragraph, lines[0])
                anchor = paragraph
                for line in lines[1:]:
                    anchor = _docx_insert_after(anchor, line)
            else:
                text = _PLACEHOLDER.sub(
                    lambda m: " ".join(values.get(m.group(1), [""])), paragraph.text
                )
                _set_docx_text(paragraph, text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _set_docx_text(paragraph, text: str) -> None:
    runs = paragraph.runs
    if runs:
        runs[0].text = text
        for run in runs[1:]:
            run.text = ""
    else:
        paragraph.add_run(text)


def _docx_insert_after(paragraph, text: str):
    import copy

    from docx.text.paragraph import Paragraph

    element = copy.deepcopy(paragraph._p)
    paragraph._p.addnext(element)
    new = Paragraph(element, paragraph._parent)
    _set_docx_text(new, text)
    return new


# --- ODT -----------------------------------------------------------------------------------
def act_odt(act: Act, template: bytes | None = None) -> bytes:
    from odf import teletype, text
    from odf.opendocument import OpenDocumentText, load

    values = _values(act)
    if template is None:
        document = OpenDocumentText()
        lines = [act.title or "Délibération"] + values["seance"] + [f"{act.body},"]
        lines += values["visas"] + values["considerants"] + ["Après en avoir délibéré,", "DÉCIDE :"]
        lines += values["dispositif"] + values["vote"]
        document.text.addElement(text.H(outlinelevel=1, text=lines[0]))
        for line in lines[1:]:
            if line:
                document.text.addElement(text.P(text=line))
    else:
        template_placeholders(template, "odt")
        document = load(io.BytesIO(template))
        for paragraph in list(document.getElementsByType(text.P)):
            content = teletype.extractText(paragraph)
            names = _PLACEHOLDER.findall(content)
            if not names:
                continue
            style = paragraph.getAttribute("stylename")
            parent = paragraph.parentNode
            if len(names) == 1 and content.strip() == "{{" + names[0] + "}}":
                lines = values.get(names[0], [""]) or [""]
            else:
                lines = [
                    _PLACEHOLDER.sub(lambda m: " ".join(values.get(m.group(1), [""])), content)
                ]
            for line in lines:
                new = text.P(stylename=style, text=line) if style else text.P(text=line)
                parent.insertBefore(new, paragraph)
            parent.removeChild(paragraph)
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


# --- plain text results (minutes, summaries, rewrites) -----------------------------------------
def markdown_docx(markdown: str, title: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading(title, level=1)
    for line in markdown.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("# "):
            continue
        if stripped.startswith("## "):
            document.add_heading(stripped[3:], level=2)
        elif stripped.startswith("- "):
            document.add_paragraph(stripped[2:].replace("**", ""), style="List Bullet")
        else:
            document.add_paragraph(stripped.replace("**", ""))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def markdown_odt(markdown: str, title: str) -> bytes:
    from odf import text
    from odf.opendocument import OpenDocumentText

    document = OpenDocumentText()
    document.text.addElement(text.H(outlinelevel=1, text=title))
    for line in markdown.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("# "):
            continue
        if stripped.startswith("## "):
            document.text.addElement(text.H(outlinelevel=2, text=stripped[3:]))
        else:
            document.text.addElement(text.P(text=stripped.lstrip("- ").replace("**", "")))
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()
