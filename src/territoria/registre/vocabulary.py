"""Controlled vocabularies of the register and the normalisation of dirty values.

Each vocabulary maps a stable code (stored in the database) to its French label (shown and
exported). The real data mixes spellings ("Transition écologique" / "Transition écologique
et énergétique", "Terminé" / "Terminée", curly apostrophes…): `Vocabulary.code_for` folds
case, accents and punctuation and knows the synonyms, so every import path shares one rule.

The lists follow `schema.json` of the Bibliothèque d'IA territoriales, completed with the
values that occur in the real records (sub-themes, audiences) and, for themes, the six
thematics of the booklet (seed 001).
"""

import re
import unicodedata
from dataclasses import dataclass, field

from django.db import models


def fold(text: object) -> str:
    """Lower case, no accents, straight apostrophes, single spaces: the matching key."""
    value = unicodedata.normalize("NFKD", str(text or ""))
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    value = value.replace("’", "'").replace("‘", "'").replace("`", "'")
    value = re.sub(r"\s+", " ", value).strip().lower()
    return value


class UnknownValue(ValueError):
    """A value that belongs to no entry of a vocabulary; the message lists what is expected."""

    def __init__(self, vocabulary: "Vocabulary", value: str):
        self.vocabulary = vocabulary
        self.value = value
        expected = ", ".join(f"« {label} »" for label in vocabulary.labels())
        super().__init__(f"valeur inconnue « {value} » ; valeurs attendues : {expected}")


@dataclass
class Vocabulary:
    name: str
    entries: list[tuple[str, str]]  # (code, label)
    synonyms: dict[str, str] = field(default_factory=dict)  # raw label -> code

    def __post_init__(self):
        self._by_key = {}
        for code, label in self.entries:
            self._by_key[fold(code)] = code
            self._by_key[fold(label)] = code
        for raw, code in self.synonyms.items():
            self._by_key[fold(raw)] = code

    @property
    def choices(self) -> list[tuple[str, str]]:
        return list(self.entries)

    def labels(self) -> list[str]:
        return [label for _, label in self.entries]

    def label(self, code: str) -> str:
        return dict(self.entries).get(code, code)

    def knows(self, raw: object) -> bool:
        return fold(raw) in self._by_key

    def code_for(self, raw: object) -> str:
        key = fold(raw)
        if key not in self._by_key:
            raise UnknownValue(self, str(raw).strip())
        return self._by_key[key]

    def codes_for(self, raw: object, separators: str = ",;") -> list[str]:
        """Codes of a multi-valued cell: 'a, b' or 'a-b' (the widget's separator) or a list.

        A piece is split on '-' only when it is not itself a known label, so labels that
        contain a hyphen stay whole.
        """
        if isinstance(raw, (list, tuple)):
            pieces = [str(item) for item in raw]
        else:
            pieces = re.split(f"[{re.escape(separators)}]", str(raw or ""))
        codes: list[str] = []
        for piece in (p.strip() for p in pieces):
            if not piece:
                continue
            parts = [piece] if self.knows(piece) else [p.strip() for p in piece.split("-")]
            for part in parts:
                if part:
                    code = self.code_for(part)
                    if code not in codes:
                        codes.append(code)
        return codes


THEMES = Vocabulary(
    "theme",
    [
        ("transition_ecologique", "Transformation écologique et énergétique"),
        ("attractivite_amenagement", "Attractivité et aménagement"),
        ("citoyennete_sante_solidarites", "Citoyenneté, santé et solidarités"),
        ("mobilites", "Mobilités"),
        ("gouvernance_socles", "Gouvernance et socles technologiques"),
        ("administration_interne", "Administration et organisation interne"),
    ],
    synonyms={
        "Transition écologique": "transition_ecologique",
        "Transition écologique et énergétique": "transition_ecologique",
        "Transformation écologique": "transition_ecologique",
        "Attractivité et développement": "attractivite_amenagement",
        "Citoyenneté": "citoyennete_sante_solidarites",
        "Santé et solidarité": "citoyennete_sante_solidarites",
        "Santé et solidarités": "citoyennete_sante_solidarites",
        "Mobilité": "mobilites",
    },
)

SUB_THEMES = Vocabulary(
    "sous_theme",
    [
        ("aide_redaction", "Aide à la rédaction et gestion documentaire"),
        ("aide_juridique", "Aide juridique"),
        ("biodiversite", "Biodiversité et préservation des espaces naturels"),
        ("construction_amenagement", "Construction et aménagement"),
        ("dechets", "Déchets et économie circulaire"),
        ("education", "Éducation"),
        ("flux_trafic", "Flux et trafic"),
        ("gestion_assemblees", "Gestion des assemblées"),
        ("gestion_eau", "Gestion de l'eau"),
        ("ressources_humaines", "Gestion des ressources humaines"),
        ("strategie_numerique", "Gouvernance et stratégie numérique responsable"),
        ("immobilier", "Immobilier"),
        ("infrastructures_numeriques", "Infrastructures numériques"),
        ("logistique_urbaine", "Logistique urbaine"),
        ("mobilite_decarbonee", "Mobilité décarbonée"),
        ("jumeau_numerique", "Modélisation et jumeau numérique"),
        ("outillage_si", "Outillage système d'information"),
        ("participation_citoyenne", "Participation citoyenne"),
        ("performance_energetique", "Performance énergétique"),
        ("plateforme_donnees", "Plateforme de données"),
        ("prevention_risques", "Prévention et gestion des risques"),
        ("qualite_air_bruit", "Qualité de l'air et nuisances sonores"),
        ("sante_soins", "Santé et accès aux soins"),
        ("stationnement", "Stationnement"),
    ],
)

AUDIENCES = Vocabulary(
    "audience_service",
    [
        ("grand_public", "Grand public"),
        ("beneficiaire", "Bénéficiaire"),
        ("agent", "Agent"),
        ("association", "Association"),
        ("elu", "Élu"),
        ("entreprises", "Entreprises"),
        ("collectivites", "Collectivités"),
        ("etablissement_scolaire", "Établissement scolaire"),
        ("etablissement_sante", "Établissement de santé"),
        ("amenageurs", "Aménageurs"),
    ],
    synonyms={"Etablissement santé": "etablissement_sante", "Agents": "agent", "Élus": "elu"},
)

PROJECT_STATUSES = Vocabulary(
    "projet_status",
    [
        ("experimentation", "En expérimentation"),
        ("deploiement", "En déploiement"),
        ("terminee", "Terminée"),
        ("abandonne", "Abandonné"),
    ],
    synonyms={"Terminé": "terminee", "Abandonnée": "abandonne", "POC": "experimentation"},
)

ORGANISATION_TYPES_SYNONYMS = {
    "Communauté d'agglomérations": "ca",
    "Communauté d'agglomération": "ca",
    "Communauté de communes": "cc",
    "Communauté urbaine": "cu",
    "EPT": "ept",
    "Établissement public territorial": "ept",
    "Syndicat": "syndicat",
    "Syndicat intercommunal": "syndicat",
}

BUDGETS = Vocabulary(
    "budget",
    [
        ("moins_50k", "moins de 50k€"),
        ("50k_100k", "de 50k€ à 100k€"),
        ("plus_100k", "plus de 100k€"),
    ],
)

IMPLEMENTATIONS = Vocabulary(
    "mise_en_oeuvre",
    [
        ("interne", "Projet développé en interne"),
        ("externe", "Projet développé en externe"),
        ("prestataire", "Mobilisation de prestataire(s)"),
        ("marche_public", "Marché public"),
    ],
    synonyms={"développé en régie": "interne", "en régie": "interne"},
)

HOSTINGS = Vocabulary(
    "hebergement",
    [
        ("cloud_tiers", "Cloud chez un tiers"),
        ("interne", "En interne de l'administration"),
        ("nsp", "NSP"),
    ],
)

ALGORITHM_TYPES = Vocabulary(
    "type_algorithme",
    [
        ("machine_learning", "Machine Learning"),
        ("tal", "Traitement automatique du langage"),
        ("ia_generative", "IA générative"),
        ("computer_vision", "Computer vision"),
        ("reseaux_neurones", "Réseaux de neurones"),
        ("nsp", "NSP"),
    ],
)

DATA_SOURCES = Vocabulary(
    "donnees_source",
    [
        ("usager", "Usager"),
        ("interne", "Jeu de données interne"),
        ("open_data", "Open data"),
        ("tiers", "Données d'un tiers"),
        ("nsp", "NSP"),
    ],
)

DATA_ACCESS = Vocabulary(
    "donnees_acces",
    [
        ("api", "Par API"),
        ("automatisee", "Automatisée"),
        ("manuelle", "Par récupération manuelle"),
        ("nsp", "NSP"),
    ],
)

RISK_CATEGORIES = Vocabulary(
    "risque_categorie",
    [
        ("minimal", "Risque minimal"),
        ("limite", "Risque limité"),
        ("eleve", "Risque élevé"),
        ("inacceptable", "Inacceptable"),
    ],
    synonyms={
        "risque inacceptable": "inacceptable",
        "minimal": "minimal",
        "limité": "limite",
        "élevé": "eleve",
    },
)

LEVELS = Vocabulary("niveau", [("faible", "Faible"), ("moyen", "Moyen"), ("fort", "Fort")])


class Lifecycle(models.TextChoices):
    """Where a record stands in the contribution workflow."""

    DRAFT = "draft", "Brouillon"
    SUBMITTED = "submitted", "Soumis à modération"
    PUBLISHED = "published", "Publié"
    ARCHIVED = "archived", "Archivé"
