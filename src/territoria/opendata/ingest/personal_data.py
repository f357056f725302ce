"""Guard against publishing personal data by mistake (RGPD): flags columns that look like
e-mails, phone numbers, people's names, postal addresses or identifiers such as the NIR or
an IBAN. The publisher must then drop each flagged column or confirm that it is public
(e.g. the name of an elected official, the address of a public building)."""

import re

import duckdb

from territoria.opendata.query.duckdb_engine import quote, sql_literal

SAMPLE_ROWS = 2000
MIN_SHARE = 0.3  # share of non-empty sampled values that must match

EMAIL = re.compile(r"^[\w.+'-]+@[\w-]+(\.[\w-]+)+$")
PHONE = re.compile(r"^(?:\+33\s?|0033\s?|0)[1-9](?:[\s.-]?\d{2}){4}$")
NIR = re.compile(
    r"^[12]\s?\d{2}\s?(0[1-9]|1[0-2]|[2-9]\d)\s?(\d{2}|2[AB])\s?\d{3}\s?\d{3}(\s?\d{2})?$"
)
IBAN = re.compile(r"^FR\d{2}(?:\s?[0-9A-Z]{4}){5}\s?[0-9A-Z]{3}$", re.IGNORECASE)
ADDRESS = re.compile(
    r"^\d{1,4}\s*(bis|ter|quater|[a-d])?\s*,?\s*(rue|avenue|av\.?|boulevard|bd|chemin|place|allée|"
    r"allee|impasse|route|quai|cours|square|résidence|residence|lotissement|lieu-dit|sentier|"
    r"passage|voie|rond-point)\b",
    re.IGNORECASE,
)
# A few hundred of the most given French first names would be better; these cover the
# commonest and are enough to recognise a "Prénom Nom" column.
FIRST_NAMES = {
    "jean",
    "marie",
    "michel",
    "pierre",
    "philippe",
    "alain",
    "nicolas",
    "christophe",
    "patrick",
    "christian",
    "daniel",
    "david",
    "frédéric",
    "frederic",
    "laurent",
    "stéphane",
    "stephane",
    "éric",
    "eric",
    "françois",
    "francois",
    "julien",
    "olivier",
    "sébastien",
    "sebastien",
    "thierry",
    "pascal",
    "jacques",
    "bernard",
    "gérard",
    "gerard",
    "andré",
    "andre",
    "claude",
    "rené",
    "rene",
    "louis",
    "paul",
    "thomas",
    "antoine",
    "alexandre",
    "maxime",
    "lucas",
    "hugo",
    "léo",
    "leo",
    "gabriel",
    "arthur",
    "jules",
    "raphaël",
    "raphael",
    "nathalie",
    "isabelle",
    "sylvie",
    "catherine",
    "françoise",
    "francoise",
    "martine",
    "christine",
    "sandrine",
    "valérie",
    "valerie",
    "sophie",
    "céline",
    "celine",
    "véronique",
    "veronique",
    "anne",
    "monique",
    "nicole",
    "chantal",
    "julie",
    "camille",
    "léa",
    "lea",
    "emma",
    "chloé",
    "chloe",
    "manon",
    "sarah",
    "laura",
    "marion",
    "pauline",
    "emilie",
    "émilie",
    "aurélie",
    "aurelie",
    "caroline",
    "claire",
    "hélène",
    "helene",
    "élodie",
    "elodie",
    "mathilde",
    "charlotte",
    "louise",
    "alice",
    "jeanne",
    "inès",
    "ines",
    "lucie",
    "juliette",
    "mohamed",
    "ahmed",
    "karim",
    "yann",
    "romain",
    "vincent",
    "guillaume",
    "benoît",
    "benoit",
    "mathieu",
    "matthieu",
    "jérôme",
    "jerome",
}
NAME_HINTS = re.compile(
    r"(^|_|\b)(nom|prenom|prénom|name|firstname|lastname|surname|"
    r"agent|patient|eleve|élève)"
    r"($|_|\b)",
    re.IGNORECASE,
)
NOT_PERSON = re.compile(
    r"(commune|coll|projet|organisme|association|structure|service|"
    r"etablissement|établissement|entreprise|societe|société|site|lieu|"
    r"equipement|équipement|dataset|jeu|fichier|produit|espece|espèce)",
    re.IGNORECASE,
)
HINTS = [
    ("email", re.compile(r"(e-?mail|courriel|mel\b|mail)", re.IGNORECASE)),
    ("phone", re.compile(r"(t[ée]l[ée]phone|\btel\b|portable|mobile|phone)", re.IGNORECASE)),
    ("address", re.compile(r"(adresse|address|\bvoie\b|domicile)", re.IGNORECASE)),
    ("birth", re.compile(r"(naissance|birth|date_nai)", re.IGNORECASE)),
]
KIND_LABELS = {
    "email": "adresses e-mail",
    "phone": "numéros de téléphone",
    "nir": "numéros de sécurité sociale",
    "iban": "coordonnées bancaires (IBAN)",
    "address": "adresses postales",
    "person_name": "noms de personnes",
    "birth": "dates de naissance",
}


def _looks_like_person(value: str) -> bool:
    words = re.split(r"[\s,]+", value.strip())
    return 2 <= len(words) <= 4 and any(w.lower() in FIRST_NAMES for w in words)


def _share(values: list[str], test) -> float:
    return sum(1 for v in values if test(v)) / len(values) if values else 0.0


def classify(name: str, values: list[str]) -> tuple[str, str] | None:
    """(kind, reason) when the column looks personal, else None."""
    values = [v.strip() for v in values if v and v.strip()]
    checks = [
        ("email", lambda v: bool(EMAIL.match(v))),
        ("phone", lambda v: bool(PHONE.match(v))),
        ("nir", lambda v: bool(NIR.match(v))),
        ("iban", lambda v: bool(IBAN.match(v))),
        ("address", lambda v: bool(ADDRESS.match(v))),
        ("person_name", _looks_like_person),
    ]
    for kind, test in checks:
        share = _share(values, test)
        if share >= MIN_SHARE:
            return (
                kind,
                f"{round(share * 100)} % des valeurs examinées ressemblent à des {KIND_LABELS[kind]}",
            )
    for kind, pattern in HINTS:
        if pattern.search(name):
            return kind, f"le nom de la colonne évoque des {KIND_LABELS[kind]}"
    if (
        NAME_HINTS.search(name)
        and not NOT_PERSON.search(name)
        and values
        and _share(values, lambda v: not v.isdigit()) > 0.5
    ):
        return "person_name", f"le nom de la colonne évoque des {KIND_LABELS['person_name']}"
    return None


def scan_parquet(con: duckdb.DuckDBPyConnection, parquet: str, fields: list[dict]) -> list[dict]:
    """Flags for the text columns of a Parquet file, from a sample of its rows."""
    text = [f["name"] for f in fields if f["type"] in ("string", "date")]
    if not text:
        return []
    cols = ", ".join(f"CAST({quote(n)} AS VARCHAR)" for n in text)
    rows = con.execute(
        f"SELECT {cols} FROM read_parquet({sql_literal(parquet)}) LIMIT {SAMPLE_ROWS}"
    ).fetchall()
    flags = []
    for index, name in enumerate(text):
        values = [row[index] for row in rows if row[index] is not None]
        field_type = fields[[f["name"] for f in fields].index(name)]["type"]
        if field_type == "date":
            found = (
                ("birth", f"le nom de la colonne évoque des {KIND_LABELS['birth']}")
                if HINTS[3][1].search(name)
                else None
            )
        else:
            found = classify(name, values)
        if found:
            flags.append(
                {
                    "column": name,
                    "kind": found[0],
                    "label": KIND_LABELS[found[0]],
                    "reason": found[1],
                }
            )
    return flags
