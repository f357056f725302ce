"""Controlled vocabularies of the catalogue (codes stored, French labels shown).

Business domains reuse the register's sub-themes (registre/vocabulary.py) so that a need, a
solution and a register project speak the same words and can be matched.
"""

from django.db import models

from territoria.registre.vocabulary import SUB_THEMES, Vocabulary

DOMAINS = SUB_THEMES

AI_FEATURES = Vocabulary(
    "fonction_ia",
    [
        ("llm", "Génération de texte et assistant conversationnel (LLM)"),
        ("llm_serving", "Serveur de modèles de langage"),
        ("chatbot", "Agent conversationnel pour les usagers"),
        ("rag", "Recherche documentaire et questions-réponses"),
        ("ocr", "Reconnaissance de texte dans les images (OCR)"),
        ("doc_extraction", "Extraction et structuration de documents"),
        ("stt", "Transcription de la parole"),
        ("tts", "Synthèse vocale"),
        ("translation", "Traduction automatique"),
        ("pseudonymisation", "Détection et pseudonymisation de données personnelles"),
        ("classification", "Classification et tri (courriers, demandes, textes)"),
        ("vision", "Vision : détection d'objets dans les images et vidéos"),
        ("remote_sensing", "Télédétection et imagerie aérienne ou satellite"),
        ("gis", "Analyse géographique (SIG)"),
        ("forecasting", "Prévision de séries temporelles"),
        ("optimisation", "Optimisation et aide à la décision"),
        ("ml_platform", "Plateforme d'apprentissage automatique"),
        ("annotation", "Annotation de données d'entraînement"),
        ("summarisation", "Résumé de documents"),
        ("search", "Moteur de recherche"),
    ],
)


class Hosting(models.TextChoices):
    ON_PREMISE = "sur_site", "Installable sur les serveurs de la collectivité"
    CLOUD_FR = "cloud_fr", "Service en ligne hébergé en France"
    CLOUD_EU = "cloud_ue", "Service en ligne hébergé dans l'Union européenne"
    CLOUD_OTHER = "cloud_hors_ue", "Service en ligne hébergé hors de l'Union européenne"


class PriceModel(models.TextChoices):
    FREE = "gratuit", "Gratuit (logiciel libre, coûts d'hébergement seulement)"
    SUBSCRIPTION = "abonnement", "Abonnement"
    USAGE = "usage", "Paiement à l'usage"
    LICENCE = "licence", "Licence"
    PUBLIC = "mutualise", "Mis à disposition par l'État ou un opérateur public"


class ProviderSize(models.TextChoices):
    COMMUNITY = "communaute", "Communauté ou fondation"
    PUBLIC = "public", "Acteur public"
    SME = "pme", "PME ou start-up"
    LARGE = "grande", "Grande entreprise"


class Sensitivity(models.TextChoices):
    """How sensitive the data of a need is (the choice guide's question)."""

    OPEN = "ouvertes", "Données publiques ou ouvertes"
    INTERNAL = "internes", "Données internes sans données personnelles"
    PERSONAL = "personnelles", "Données personnelles"
    SENSITIVE = "sensibles", "Données sensibles (santé, social, mineurs…)"


class Skills(models.TextChoices):
    NONE = "aucune", "Pas d'équipe technique"
    SOME = "quelques", "Un informaticien ou un prestataire"
    TEAM = "equipe", "Une équipe capable d'installer et d'exploiter des logiciels"


class Budget(models.TextChoices):
    NONE = "nul", "Aucun budget de licence"
    SMALL = "faible", "Moins de 10 000 € par an"
    MEDIUM = "moyen", "De 10 000 à 50 000 € par an"
    LARGE = "eleve", "Plus de 50 000 € par an"


class Status(models.TextChoices):
    """The pipeline from an idea to a deployment (ideas and experiments share it)."""

    IDEA = "idee", "Idée"
    QUALIFIED = "qualifiee", "Qualifiée"
    EXPERIMENT = "experimentation", "En expérimentation"
    EVALUATED = "evaluee", "Évaluée"
    DEPLOYED = "deployee", "Déployée"
    ABANDONED = "abandonnee", "Abandonnée"


# Which status may follow which (anything may be abandoned before deployment).
TRANSITIONS = {
    Status.IDEA: {Status.QUALIFIED, Status.ABANDONED},
    Status.QUALIFIED: {Status.EXPERIMENT, Status.ABANDONED},
    Status.EXPERIMENT: {Status.EVALUATED, Status.ABANDONED},
    Status.EVALUATED: {Status.DEPLOYED, Status.EXPERIMENT, Status.ABANDONED},
    Status.DEPLOYED: set(),
    Status.ABANDONED: set(),
}


class Decision(models.TextChoices):
    STOP = "arreter", "Arrêter"
    ITERATE = "iterer", "Itérer (nouvelle expérimentation)"
    DEPLOY = "deployer", "Déployer"


# The collectivités' competences a business domain touches, and which level holds them
# (general sharing of competences of the CGCT after the NOTRe and MAPTAM laws; indicative:
# transfers between communes and their EPCI vary from one territory to another). Derived from
# the solution's domains, so a need, a solution and a register project keep one vocabulary.
ALL_LEVELS = "toutes les collectivités"
COMPETENCES = {
    "aide_redaction": ("Administration générale", ALL_LEVELS),
    "aide_juridique": ("Administration générale (affaires juridiques)", ALL_LEVELS),
    "biodiversite": (
        "Environnement et espaces naturels",
        "départements (espaces naturels sensibles), régions (biodiversité), EPCI (GEMAPI)",
    ),
    "construction_amenagement": (
        "Urbanisme et aménagement",
        "communes et EPCI (PLU, PLUi, autorisations), régions (SRADDET)",
    ),
    "dechets": (
        "Collecte et traitement des déchets ménagers",
        "EPCI (collecte, traitement), régions (plan de prévention et de gestion)",
    ),
    "education": ("Éducation", "communes (écoles), départements (collèges), régions (lycées)"),
    "flux_trafic": (
        "Voirie et circulation",
        "communes (police de la circulation), EPCI, départements (routes départementales)",
    ),
    "gestion_assemblees": ("Fonctionnement des assemblées délibérantes", ALL_LEVELS),
    "gestion_eau": ("Eau potable, assainissement et GEMAPI", "communes et EPCI"),
    "ressources_humaines": ("Gestion du personnel", ALL_LEVELS),
    "strategie_numerique": ("Administration générale (numérique)", ALL_LEVELS),
    "immobilier": ("Gestion du patrimoine immobilier", ALL_LEVELS),
    "infrastructures_numeriques": (
        "Aménagement numérique du territoire",
        "départements, régions, EPCI (réseaux d'initiative publique)",
    ),
    "logistique_urbaine": ("Mobilité et voirie", "communes et EPCI"),
    "mobilite_decarbonee": (
        "Organisation de la mobilité",
        "EPCI autorités organisatrices de la mobilité, régions",
    ),
    "jumeau_numerique": ("Urbanisme et aménagement", "communes et EPCI"),
    "outillage_si": ("Administration générale (systèmes d'information)", ALL_LEVELS),
    "participation_citoyenne": ("Démocratie locale et relation aux usagers", ALL_LEVELS),
    "performance_energetique": (
        "Énergie et climat",
        "EPCI (plan climat-air-énergie territorial), toutes pour leurs bâtiments",
    ),
    "plateforme_donnees": ("Administration générale (données, open data)", ALL_LEVELS),
    "prevention_risques": (
        "Prévention des risques et secours",
        "communes (police municipale, plan communal de sauvegarde), départements (SDIS)",
    ),
    "qualite_air_bruit": (
        "Qualité de l'air et bruit",
        "EPCI (plan climat-air-énergie, cartes de bruit), communes",
    ),
    "sante_soins": ("Action sociale et santé", "départements, communes (CCAS)"),
    "stationnement": ("Stationnement", "communes et EPCI"),
}


def competences(domains) -> list[str]:
    """« Compétence (niveau) » for each domain, without repeats, in the domains' order."""
    out = []
    for code in domains or []:
        if code in COMPETENCES:
            label, levels = COMPETENCES[code]
            text = f"{label} ({levels})"
            if text not in out:
                out.append(text)
    return out


# --- Competences in one territory ----------------------------------------------------------
# The national table above says who usually holds a competence; in a given territory a commune
# may have transferred it to its EPCI (or a syndicat), or an EPCI may not have taken it. An
# organisation records its own situation (TerritoryCompetences); until it does, its default is
# read from the national table by its level.


class Holding(models.TextChoices):
    HELD = "exercee", "Exercée par notre collectivité"
    TRANSFERRED = "transferee", "Transférée (à un EPCI, un syndicat…)"
    NOT_HELD = "non_exercee", "Non exercée par notre collectivité"


# The word of the national table naming each kind of organisation's level.
LEVEL_WORDS = {
    "commune": "communes",
    "epci": "EPCI",
    "cc": "EPCI",
    "ca": "EPCI",
    "cu": "EPCI",
    "metropole": "EPCI",
    "ept": "EPCI",
    "departement": "départements",
    "region": "régions",
}


def default_holding(organisation_type: str, domain: str) -> str | None:
    """The national table's answer for an organisation of this type (None: it cannot say,
    e.g. a syndicat, whose competences are those its members gave it)."""
    if domain not in COMPETENCES:
        return None
    _, levels = COMPETENCES[domain]
    if levels == ALL_LEVELS:
        return Holding.HELD
    word = LEVEL_WORDS.get(organisation_type)
    if word is None:
        return None
    return Holding.HELD if word in levels else Holding.NOT_HELD
