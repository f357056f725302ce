"""Import and export of the SCDL « Délibérations » format (schema.data.gouv.fr, scdl/deliberations
2.1.x, OpenDataFrance): one row per deliberation.

Columns (required marked *): COLL_NOM*, COLL_SIRET* (^\\d{14}$), DELIB_ID*, DELIB_DATE*
(AAAA-MM-JJ), DELIB_MATIERE_CODE* (^\\d\\.\\d{1,2}$, 1.1–1.7, 2.1–2.3, 3.1–3.6, 4.1–4.5, 5.1–5.8,
6.1–6.5, 7.1–7.10, 8.1–8.9, 9.1–9.4), DELIB_MATIERE_NOM*, DELIB_OBJET*, BUDGET_ANNEE
(^[0-9]{4}(/[0-9]{4})?$), BUDGET_NOM, PREF_ID, PREF_DATE, VOTE_EFFECTIF, VOTE_REEL, VOTE_POUR,
VOTE_CONTRE, VOTE_ABSTENTION (integers), DELIB_URL (uri).

Other layouts are read through a field mapping {SCDL column: column of the file}. Every row is
checked before anything is written; one error anywhere and nothing is written (each error names
the line, the column and what was expected). Texts of the acts (PDF, ODT, DOCX…) are read from a
folder where each file is named after its DELIB_ID.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import transaction

from territoria.core.text_files import nul_problem

COLUMNS = [
    "COLL_NOM",
    "COLL_SIRET",
    "DELIB_ID",
    "DELIB_DATE",
    "DELIB_MATIERE_CODE",
    "DELIB_MATIERE_NOM",
    "DELIB_OBJET",
    "BUDGET_ANNEE",
    "BUDGET_NOM",
    "PREF_ID",
    "PREF_DATE",
    "VOTE_EFFECTIF",
    "VOTE_REEL",
    "VOTE_POUR",
    "VOTE_CONTRE",
    "VOTE_ABSTENTION",
    "DELIB_URL",
]
REQUIRED = COLUMNS[:7]
# Level-2 subjects of the @CTES (ACTES) nomenclature: code → "level 1/level 2" as SCDL writes them.
SUBJECTS = {
    "1.1": "commande publique/marchés publics",
    "1.2": "commande publique/délégation de service public",
    "1.3": "commande publique/conventions de mandat",
    "1.4": "commande publique/autres types de contrats",
    "1.5": "commande publique/transactions protocole d'accord transactionnel",
    "1.6": "commande publique/maîtrise d'œuvre",
    "1.7": "commande publique/actes spéciaux et divers",
    "2.1": "urbanisme/documents d'urbanisme",
    "2.2": "urbanisme/actes relatifs au droit d'occupation ou d'utilisation des sols",
    "2.3": "urbanisme/droit de préemption urbain",
    "3.1": "domaine et patrimoine/acquisitions",
    "3.2": "domaine et patrimoine/aliénations",
    "3.3": "domaine et patrimoine/locations",
    "3.4": "domaine et patrimoine/limites territoriales",
    "3.5": "domaine et patrimoine/actes de gestion du domaine public",
    "3.6": "domaine et patrimoine/actes de gestion du domaine privé",
    "4.1": "fonction publique/personnels titulaires et stagiaires de la fpt",
    "4.2": "fonction publique/personnels contractuels",
    "4.3": "fonction publique/fonction publique hospitalière",
    "4.4": "fonction publique/autres catégories de personnels",
    "4.5": "fonction publique/régime indemnitaire",
    "5.1": "institutions et vie politique/election exécutif",
    "5.2": "institutions et vie politique/fonctionnement des assemblées",
    "5.3": "institutions et vie politique/désignation de représentants",
    "5.4": "institutions et vie politique/délégation de fonctions",
    "5.5": "institutions et vie politique/délégation de signature",
    "5.6": "institutions et vie politique/exercice des mandats locaux",
    "5.7": "institutions et vie politique/intercommunalité",
    "5.8": "institutions et vie politique/décision d'ester en justice",
    "6.1": "libertés publiques et pouvoirs de police/police municipale",
    "6.2": "libertés publiques et pouvoirs de police/pouvoir du président du conseil général",
    "6.3": "libertés publiques et pouvoirs de police/pouvoir du président du conseil régional",
    "6.4": "libertés publiques et pouvoirs de police/autres actes réglementaires",
    "6.5": "libertés publiques et pouvoirs de police/actes pris au nom de l'etat",
    "7.1": "finances locales/décisions budgétaires",
    "7.2": "finances locales/fiscalité",
    "7.3": "finances locales/emprunts",
    "7.4": "finances locales/interventions économiques",
    "7.5": "finances locales/subventions",
    "7.6": "finances locales/contributions budgétaires",
    "7.7": "finances locales/avances",
    "7.8": "finances locales/fonds de concours",
    "7.9": "finances locales/prise de participation",
    "7.10": "finances locales/divers",
    "8.1": "domaines de compétences par thèmes/enseignement",
    "8.2": "domaines de compétences par thèmes/aide sociale",
    "8.3": "domaines de compétences par thèmes/voirie",
    "8.4": "domaines de compétences par thèmes/aménagement du territoire",
    "8.5": "domaines de compétences par thèmes/politique de la ville-habitat-logement",
    "8.6": "domaines de compétences par thèmes/emploi-formation professionnelle",
    "8.7": "domaines de compétences par thèmes/transports",
    "8.8": "domaines de compétences par thèmes/environnement",
    "8.9": "domaines de compétences par thèmes/culture",
    "9.1": "autres domaines de compétences/autres domaines de compétences des communes",
    "9.2": "autres domaines de compétences/autres domaines de compétences des départements",
    "9.3": "autres domaines de compétences/autres domaines de compétences des régions",
    "9.4": "autres domaines de compétences/voeux et motions",
}
MAX_ROWS = 200_000


class SCDLError(Exception):
    """The file cannot be imported; `errors` lists every problem (line, column, expected)."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        shown = errors[:20]
        more = f"\n… et {len(errors) - 20} autre(s) erreur(s)." if len(errors) > 20 else ""
        super().__init__("Import refusé, rien n'a été enregistré :\n" + "\n".join(shown) + more)


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    texts: int = 0
    warnings: list[str] = field(default_factory=list)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        from charset_normalizer import from_bytes

        best = from_bytes(data).best()
        if best is None:
            raise SCDLError(["Le fichier n'est pas un texte CSV (encodage non reconnu)."]) from None
        return str(best)


def read_rows(data: bytes, mapping: dict[str, str] | None = None) -> list[dict]:
    """The rows as {SCDL column: value}, checked; SCDLError lists every problem."""
    if not data.strip():
        raise SCDLError(["Le fichier est vide."])
    text = _decode(data)
    if problem := nul_problem(text):
        raise SCDLError([problem])
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip() for h in (reader.fieldnames or [])]
    mapping = {k: v for k, v in (mapping or {}).items() if v}
    wanted = {column: mapping.get(column, column) for column in COLUMNS}
    missing = [
        f"{c} (colonne « {wanted[c]} »)" if c in mapping else c
        for c in REQUIRED
        if wanted[c] not in header
    ]
    if missing:
        raise SCDLError(
            [
                "Ligne 1 (en-tête) : colonne(s) obligatoire(s) absente(s) : "
                + ", ".join(missing)
                + f". Colonnes trouvées : {', '.join(header) or 'aucune'}. "
                "Utilisez le schéma SCDL « Délibérations » ou indiquez la correspondance des colonnes."
            ]
        )
    rows, errors = [], []
    seen: dict[tuple[str, str], int] = {}
    for line, raw in enumerate(reader, start=2):
        if line - 1 > MAX_ROWS:
            raise SCDLError([f"Fichier trop grand : plus de {MAX_ROWS} lignes ; découpez-le."])
        raw = {(k or "").strip(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(raw.values()):
            continue
        row = {column: raw.get(wanted[column], "") for column in COLUMNS}
        errors += [f"Ligne {line}, colonne {c} : {message}" for c, message in validate_row(row)]
        key = (row["COLL_SIRET"], row["DELIB_ID"])
        if key in seen:
            errors.append(
                f"Ligne {line}, colonne DELIB_ID : « {row['DELIB_ID']} » déjà présent ligne {seen[key]} pour ce SIRET (identifiant unique attendu)."
            )
        seen.setdefault(key, line)
        row["_line"] = line
        rows.append(row)
    if errors:
        raise SCDLError(errors)
    if not rows:
        raise SCDLError(["Le fichier ne contient aucune ligne de données."])
    return rows


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def validate_row(row: dict) -> list[tuple[str, str]]:
    problems = []
    for column in REQUIRED:
        if not row[column]:
            problems.append((column, "valeur obligatoire manquante."))
    if row["COLL_SIRET"] and not re.fullmatch(r"\d{14}", row["COLL_SIRET"]):
        problems.append(
            ("COLL_SIRET", f"« {row['COLL_SIRET']} » : 14 chiffres attendus (SIREN + NIC).")
        )
    if row["DELIB_DATE"] and not (
        re.fullmatch(r"\d{4}-\d{2}-\d{2}", row["DELIB_DATE"]) and _date(row["DELIB_DATE"])
    ):
        problems.append(("DELIB_DATE", f"« {row['DELIB_DATE']} » : date AAAA-MM-JJ attendue."))
    code = row["DELIB_MATIERE_CODE"]
    if code and code not in SUBJECTS:
        problems.append(
            (
                "DELIB_MATIERE_CODE",
                f"« {code} » : code de matière de la nomenclature @CTES attendu (1.1 à 9.4, ex. 7.5).",
            )
        )
    if row["BUDGET_ANNEE"] and not re.fullmatch(r"[0-9]{4}(/[0-9]{4})?", row["BUDGET_ANNEE"]):
        problems.append(("BUDGET_ANNEE", f"« {row['BUDGET_ANNEE']} » : AAAA ou AAAA/AAAA attendu."))
    if row["PREF_DATE"] and not _date(row["PREF_DATE"]):
        problems.append(("PREF_DATE", f"« {row['PREF_DATE']} » : date AAAA-MM-JJ attendue."))
    for column in ("VOTE_EFFECTIF", "VOTE_REEL", "VOTE_POUR", "VOTE_CONTRE", "VOTE_ABSTENTION"):
        if row[column] and not re.fullmatch(r"\d+", row[column]):
            problems.append((column, f"« {row[column]} » : nombre entier positif attendu."))
    if row["DELIB_URL"] and not re.match(r"https?://\S+$", row["DELIB_URL"]):
        problems.append(
            ("DELIB_URL", f"« {row['DELIB_URL']} » : adresse web (http:// ou https://) attendue.")
        )
    return problems


def _int(value: str) -> int | None:
    return int(value) if value else None


def import_file(
    data: bytes,
    source: str = "",
    mapping: dict[str, str] | None = None,
    texts_dir: Path | None = None,
    on_progress=None,
) -> ImportResult:
    """Check every row, then write them all in one transaction (or nothing)."""
    from territoria.redaction.models import Deliberation
    from territoria.redaction.services.texts import InputError, read_upload

    rows = read_rows(data, mapping)
    result = ImportResult()
    texts: dict[str, str] = {}
    if texts_dir:
        files = {p.stem: p for p in Path(texts_dir).iterdir() if p.is_file()}
        for row in rows:
            path = files.get(row["DELIB_ID"])
            if path is None:
                continue
            try:
                texts[row["DELIB_ID"]] = read_upload(path)
            except InputError as error:
                result.warnings.append(f"Ligne {row['_line']} : texte non lu — {error}")
    with transaction.atomic():
        for n, row in enumerate(rows, start=1):
            values = {
                "coll_nom": row["COLL_NOM"],
                "date": date.fromisoformat(row["DELIB_DATE"]),
                "subject_code": row["DELIB_MATIERE_CODE"],
                "subject_name": row["DELIB_MATIERE_NOM"],
                "object": row["DELIB_OBJET"],
                "budget_year": row["BUDGET_ANNEE"],
                "budget_name": row["BUDGET_NOM"],
                "pref_id": row["PREF_ID"],
                "pref_date": _date(row["PREF_DATE"]) if row["PREF_DATE"] else None,
                "vote_effectif": _int(row["VOTE_EFFECTIF"]),
                "vote_reel": _int(row["VOTE_REEL"]),
                "vote_pour": _int(row["VOTE_POUR"]),
                "vote_contre": _int(row["VOTE_CONTRE"]),
                "vote_abstention": _int(row["VOTE_ABSTENTION"]),
                "url": row["DELIB_URL"],
                "source": source[:255],
            }
            if row["DELIB_ID"] in texts:
                values["text"] = texts[row["DELIB_ID"]]
                result.texts += 1
            _obj, created = Deliberation.objects.update_or_create(
                coll_siret=row["COLL_SIRET"], delib_id=row["DELIB_ID"], defaults=values
            )
            if created:
                result.created += 1
            else:
                result.updated += 1
            if on_progress and n % 50 == 0:
                on_progress(n, len(rows))
    return result


TEXT_SUFFIXES = {".pdf", ".odt", ".docx", ".txt", ".md", ".html", ".htm"}
MAX_ZIP_FILES = 5000
MAX_ZIP_BYTES = 500 * 1024 * 1024


def extract_texts_zip(data: bytes, folder: Path) -> int:
    """The acts' texts of a ZIP (each file named after its DELIB_ID, PDF/ODT/DOCX/TXT/HTML, in
    any sub-folder) written flat into `folder`; InputError in plain words for a file that is not
    a ZIP, a decompression bomb, or no text file at all. Names are reduced to their last part,
    so nothing is written outside `folder`."""
    import io
    import zipfile

    from territoria.redaction.services.texts import InputError

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise InputError(
            "Textes des actes : le fichier n'est pas une archive ZIP valide."
        ) from error
    with archive:
        members = [
            m
            for m in archive.infolist()
            if not m.is_dir()
            and Path(m.filename).suffix.lower() in TEXT_SUFFIXES
            and not Path(m.filename).name.startswith(".")
        ]
        if len(archive.infolist()) > MAX_ZIP_FILES:
            raise InputError(
                f"Textes des actes : l'archive contient plus de {MAX_ZIP_FILES} fichiers."
            )
        if sum(m.file_size for m in archive.infolist()) > MAX_ZIP_BYTES:
            raise InputError(
                "Textes des actes : l'archive décompressée dépasse 500 Mo (bombe de décompression ?)."
            )
        if not members:
            raise InputError(
                "Textes des actes : aucun fichier PDF, ODT, DOCX, TXT ou HTML dans l'archive."
            )
        for member in members:
            target = folder / Path(member.filename.replace("\\", "/")).name
            with archive.open(member) as source, target.open("wb") as out:
                out.write(source.read(MAX_ZIP_BYTES))
    return len(members)


def draft_row(draft) -> dict:
    """The SCDL row of an adopted draft, for publication."""
    organisation = draft.organisation
    return {
        "COLL_NOM": organisation.name,
        "COLL_SIRET": organisation.siret or "",
        "DELIB_ID": draft.delib_id,
        "DELIB_DATE": draft.date.isoformat() if draft.date else "",
        "DELIB_MATIERE_CODE": draft.subject_code,
        "DELIB_MATIERE_NOM": draft.subject_name or SUBJECTS.get(draft.subject_code, ""),
        "DELIB_OBJET": draft.title,
        "BUDGET_ANNEE": "",
        "BUDGET_NOM": "",
        "PREF_ID": "",
        "PREF_DATE": "",
        "VOTE_EFFECTIF": draft.vote_effectif if draft.vote_effectif is not None else "",
        "VOTE_REEL": draft.vote_reel if draft.vote_reel is not None else "",
        "VOTE_POUR": draft.vote_pour if draft.vote_pour is not None else "",
        "VOTE_CONTRE": draft.vote_contre if draft.vote_contre is not None else "",
        "VOTE_ABSTENTION": draft.vote_abstention if draft.vote_abstention is not None else "",
        "DELIB_URL": "",
    }


def write_csv(rows: list[dict], handle) -> None:
    writer = csv.DictWriter(handle, fieldnames=COLUMNS, delimiter=";", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
