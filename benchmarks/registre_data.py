"""Register records for benchmarks and search-quality tests: the 23 real ones, and generated ones.

`load_real_records()` reads the anchor's export (its committed copy
`src/territoria/registre/fixtures/bibliotheque-ia-data.csv`, the same bytes as
`../shared/data/bibliotheque-ia/data.csv`; or $TERRITORIA_REGISTRE_CSV) with the register's vocabularies. It is a reader for measurements,
not the platform's importer (that one validates, reports and audits each line).

`generate_records(n)` builds realistic records: organisations of every type spread over France,
French descriptions recombined from the sentences of the real descriptions, vocabulary values
drawn with the real distribution, restricted fields filled from templates.
"""

from __future__ import annotations

import csv
import datetime
import os
import random
import re
from pathlib import Path

from territoria.core.models import Organisation, OrganisationType
from territoria.registre import vocabulary as voc

FIXTURES = Path(__file__).resolve().parent.parent / "src" / "territoria" / "registre" / "fixtures"
REAL_CSV = Path(os.environ.get("TERRITORIA_REGISTRE_CSV", FIXTURES / "bibliotheque-ia-data.csv"))
# The booklet's case studies that data.csv lacks (the callbot of Aix-Marseille-Provence), as `load_demo` loads them.
BOOKLET_CSV = FIXTURES / "livret-cas-usage.csv"
ORG_TYPES = voc.Vocabulary(
    "coll_type", list(OrganisationType.choices), voc.ORGANISATION_TYPES_SYNONYMS
)


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", (text or "").replace("’", "'")).strip()


def _month(raw: str):
    match = re.match(r"(\d{1,2})/(\d{4})", raw or "")
    return datetime.date(int(match.group(2)), int(match.group(1)), 1) if match else None


def real_rows() -> list[dict]:
    rows = list(csv.DictReader(REAL_CSV.open(encoding="utf-8")))
    return rows + list(csv.DictReader(BOOKLET_CSV.open(encoding="utf-8")))


def load_real_records(lifecycle: str = voc.Lifecycle.PUBLISHED) -> list:
    """Create (or update) the real records; returns the projects."""
    from territoria.registre.models import Project

    projects = []
    for row in real_rows():
        siret = re.sub(r"\D", "", row["SIRET"])
        org, _ = Organisation.objects.update_or_create(
            siret=siret,
            defaults={
                "name": _clean(row["Nom_collectivite"]),
                "type": ORG_TYPES.code_for(row["Type_de_collectivite"]),
                "latitude": float(row["Latitude"]) if row["Latitude"] else None,
                "longitude": float(row["Longitude"]) if row["Longitude"] else None,
                "logo_url": row.get("URL_Logo", "").strip(),
                "region": row.get("Region", ""),
            },
        )
        project, _ = Project.objects.update_or_create(
            organisation=org,
            nom_projet=_clean(row["Nom_du_projet"]),
            defaults={
                "projet_date": _month(row["Date_de_demarrage"]),
                "projet_status": voc.PROJECT_STATUSES.code_for(row["Statut_du_projet"]),
                "partenaires": _clean(row["Partenaires"]),
                "usage_description": _clean(row["Description_service"]),
                "theme": voc.THEMES.code_for(row["Theme"]),
                "sous_themes": voc.SUB_THEMES.codes_for(row["Sous_Theme"]),
                "audiences": voc.AUDIENCES.codes_for(row["Audience"]),
                "url_infos": row.get("URL_Service", "").strip(),
                "lifecycle": lifecycle,
                **{k: v for k, v in row.get("restricted", {}).items()},
            },
        )
        projects.append(project)
    return projects


# --- generated records ------------------------------------------------------------------------
# (city, region, latitude, longitude): places to spread generated organisations over France.
PLACES = [
    ("Lille", "Hauts-de-France", 50.63, 3.06),
    ("Amiens", "Hauts-de-France", 49.89, 2.30),
    ("Rouen", "Normandie", 49.44, 1.10),
    ("Caen", "Normandie", 49.18, -0.37),
    ("Rennes", "Bretagne", 48.11, -1.68),
    ("Brest", "Bretagne", 48.39, -4.49),
    ("Nantes", "Pays de la Loire", 47.22, -1.55),
    ("Angers", "Pays de la Loire", 47.47, -0.55),
    ("Tours", "Centre-Val de Loire", 47.39, 0.69),
    ("Orléans", "Centre-Val de Loire", 47.90, 1.91),
    ("Paris", "Île-de-France", 48.86, 2.35),
    ("Versailles", "Île-de-France", 48.80, 2.13),
    ("Reims", "Grand Est", 49.26, 4.03),
    ("Strasbourg", "Grand Est", 48.57, 7.75),
    ("Metz", "Grand Est", 49.12, 6.18),
    ("Dijon", "Bourgogne-Franche-Comté", 47.32, 5.04),
    ("Besançon", "Bourgogne-Franche-Comté", 47.24, 6.02),
    ("Poitiers", "Nouvelle-Aquitaine", 46.58, 0.34),
    ("Bordeaux", "Nouvelle-Aquitaine", 44.84, -0.58),
    ("Limoges", "Nouvelle-Aquitaine", 45.83, 1.26),
    ("Pau", "Nouvelle-Aquitaine", 43.30, -0.37),
    ("Toulouse", "Occitanie", 43.60, 1.44),
    ("Montpellier", "Occitanie", 43.61, 3.88),
    ("Nîmes", "Occitanie", 43.84, 4.36),
    ("Perpignan", "Occitanie", 42.70, 2.90),
    ("Lyon", "Auvergne-Rhône-Alpes", 45.76, 4.84),
    ("Grenoble", "Auvergne-Rhône-Alpes", 45.19, 5.72),
    ("Clermont-Ferrand", "Auvergne-Rhône-Alpes", 45.78, 3.08),
    ("Annecy", "Auvergne-Rhône-Alpes", 45.90, 6.13),
    ("Marseille", "Provence-Alpes-Côte d'Azur", 43.30, 5.37),
    ("Nice", "Provence-Alpes-Côte d'Azur", 43.70, 7.27),
    ("Avignon", "Provence-Alpes-Côte d'Azur", 43.95, 4.81),
    ("Ajaccio", "Corse", 41.93, 8.74),
    ("Bastia", "Corse", 42.70, 9.45),
]
ORG_PATTERNS = [
    ("commune", "Ville de {place}{suffix}"),
    ("commune", "Commune de {place}{suffix}"),
    ("cc", "Communauté de communes du Pays de {place}{suffix}"),
    ("ca", "Communauté d'agglomération de {place}{suffix}"),
    ("cu", "Communauté urbaine de {place}{suffix}"),
    ("metropole", "{place} Métropole{suffix}"),
    ("departement", "Département de {place}{suffix}"),
    ("region", "Région {region}{suffix}"),
    ("syndicat_mixte", "Syndicat mixte des eaux de {place}{suffix}"),
    ("epci", "EPCI {place}{suffix}"),
    ("ept", "Établissement public territorial {place}{suffix}"),
]
# Phrases by theme, so that generated texts say varied but coherent things.
THEME_PHRASES = {
    "transition_ecologique": [
        "réduire la consommation d'énergie des bâtiments publics",
        "détecter les fuites sur le réseau d'eau potable",
        "prévoir les épisodes de sécheresse et les inondations",
        "suivre la biodiversité des espaces naturels",
        "optimiser la collecte des déchets ménagers",
        "cartographier les îlots de chaleur urbains",
        "piloter l'éclairage public pour économiser l'électricité",
        "identifier les toitures propices au solaire",
    ],
    "attractivite_amenagement": [
        "instruire plus vite les autorisations d'urbanisme",
        "analyser le foncier disponible",
        "accompagner les commerces de centre-ville",
        "modéliser les projets d'aménagement dans un jumeau numérique",
    ],
    "citoyennete_sante_solidarites": [
        "orienter les usagers vers le bon service social",
        "répondre aux appels des habitants hors des heures d'ouverture",
        "faciliter l'accès aux soins dans les déserts médicaux",
        "analyser les contributions d'une consultation citoyenne",
    ],
    "mobilites": [
        "prévoir la fréquentation des transports en commun",
        "optimiser les feux de circulation",
        "détecter les dégradations de la chaussée",
        "guider les automobilistes vers les places de stationnement libres",
    ],
    "gouvernance_socles": [
        "construire une plateforme de données partagée",
        "former les agents aux usages de l'intelligence artificielle",
        "définir une stratégie numérique responsable",
        "sécuriser l'hébergement des données de la collectivité",
    ],
    "administration_interne": [
        "rédiger des courriers et des comptes rendus",
        "trier les courriels entrants des services",
        "préparer les délibérations du conseil",
        "prévenir les conflits d'intérêts des élus",
    ],
}
OPENINGS = [
    "Le projet vise à {phrase}.",
    "L'outil permet de {phrase}.",
    "Ce service aide les agents à {phrase}.",
    "La collectivité expérimente une solution pour {phrase}.",
    "L'objectif est de {phrase}.",
]
NAME_PATTERNS = [
    "{word} {place}",
    "Projet {word}",
    "{word} IA",
    "Expérimentation {word}",
    "{word} {n}",
]
NAME_WORDS = [
    "Hydro",
    "Eco",
    "Clim",
    "Mobi",
    "Data",
    "Citi",
    "Urba",
    "Flux",
    "Verde",
    "Lumen",
    "Agora",
    "Civi",
    "Terra",
    "Aqua",
    "Sylva",
    "Vox",
    "Nova",
    "Pilot",
    "Veille",
    "Atlas",
]
ALGORITHM_NAMES = [
    "Prévision des consommations",
    "Classification des signalements",
    "Détection d'anomalies",
    "Agent conversationnel",
    "Reconnaissance d'images",
    "Résumé automatique de documents",
]


def _sentences() -> list[str]:
    sentences = []
    for row in real_rows():
        text = _clean(row["Description_service"])
        sentences += [s for s in re.split(r"(?<=[.!?])\s+", text) if len(s) > 30]
    return sentences


def generate_records(
    count: int, seed: int = 42, organisations: int | None = None
) -> tuple[list, list]:
    """Unsaved (organisations, projects): `count` published projects, ~8 per organisation."""
    from territoria.registre.factories import _siret
    from territoria.registre.models import Project

    rng = random.Random(seed)
    sentences = _sentences()
    real = real_rows()
    orgs = []
    for i in range(organisations or max(1, count // 8)):
        type_code, pattern = rng.choice(ORG_PATTERNS)
        place, region, lat, lon = rng.choice(PLACES)
        orgs.append(
            Organisation(
                name=pattern.format(place=place, region=region, suffix=f" ({i})"),
                siret=_siret(900_000 + i),
                type=type_code,
                region=region,
                latitude=round(lat + rng.uniform(-0.4, 0.4), 5),
                longitude=round(lon + rng.uniform(-0.5, 0.5), 5),
                logo_url="https://example.org/logo.png",
            )
        )
    projects = []
    themes = list(THEME_PHRASES)
    for i in range(count):
        org = orgs[i % len(orgs)]
        model = rng.choice(real)
        theme = voc.THEMES.code_for(model["Theme"]) if rng.random() < 0.6 else rng.choice(themes)
        phrases = rng.sample(THEME_PHRASES[theme], 2)
        text = " ".join(
            [
                rng.choice(OPENINGS).format(phrase=phrases[0]),
                *rng.sample(sentences, rng.randint(1, 3)),
                f"Il permet aussi de {phrases[1]}.",
            ]
        )
        place = org.name.split(" (")[0].split()[-1]
        name = rng.choice(NAME_PATTERNS).format(word=rng.choice(NAME_WORDS), place=place, n=i)
        projects.append(
            Project(
                organisation=org,
                nom_projet=f"{name} n°{i}",
                projet_date=datetime.date(rng.randint(2018, 2025), rng.randint(1, 12), 1),
                projet_status=rng.choice([c for c, _ in voc.PROJECT_STATUSES.choices]),
                partenaires=_clean(model["Partenaires"]),
                usage_description=text,
                theme=theme,
                sous_themes=rng.sample([c for c, _ in voc.SUB_THEMES.choices], rng.randint(1, 2)),
                audiences=rng.sample([c for c, _ in voc.AUDIENCES.choices], rng.randint(1, 3)),
                mise_en_oeuvre=rng.choice([c for c, _ in voc.IMPLEMENTATIONS.choices]),
                hebergement=rng.choice([c for c, _ in voc.HOSTINGS.choices]),
                nom_algorithme=rng.choice(ALGORITHM_NAMES),
                algorithme_description=f"L'algorithme sert à {phrases[0]} à partir des données de la collectivité.",
                type_algorithme=rng.choice([c for c, _ in voc.ALGORITHM_TYPES.choices]),
                donnees_source=rng.choice([c for c, _ in voc.DATA_SOURCES.choices]),
                donnees_acces=rng.choice([c for c, _ in voc.DATA_ACCESS.choices]),
                risque_categorie=rng.choice([c for c, _ in voc.RISK_CATEGORIES.choices]),
                financement=rng.choice(["Fonds vert", "France 2030", "FEDER", "interne", "DIAT"]),
                lifecycle=voc.Lifecycle.PUBLISHED,
                content_updated_on=datetime.date(2025, 4, 16),
            )
        )
    return orgs, projects


def save_generated(count: int, seed: int = 42) -> int:
    """Write generated records with bulk inserts (no signals: index them with `reindex_all`)."""
    from territoria.registre.models import Project

    orgs, projects = generate_records(count, seed)
    Organisation.objects.bulk_create(orgs, batch_size=500)
    Project.objects.bulk_create(projects, batch_size=500)
    return len(projects)
