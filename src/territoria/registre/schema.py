"""The data model of the Bibliothèque d'IA territoriales, in one table.

Every field of `modele_donnees.md` and `schema.json` appears once here with its schema id,
its French title and description (the help text of forms), its access level (public or
restricted), whether a contribution must fill it, its vocabulary and the column name of the
anchor's CSV export (`data.csv`). Models, forms, visibility, imports, exports and the Table
Schema document are all derived from this table, so a field's rule lives in one place.

Access levels: as in `modele_donnees.md`. The AI-Act risk fields are not listed there; our
choices (see docs/registre.md):
- public: `risque_categorie` (the issue and the AI Act's transparency duty), `decision`,
  `explicabilite`, `reversibilite`, `objection`, `proportionalite` — what a citizen needs to
  understand a decision that concerns them and to contest it;
- restricted: `risque` (the detailed risk analysis and mitigations can expose weaknesses) and
  `erreur` (the project team's own effectiveness self-assessment, shared between peers).
"""

from dataclasses import dataclass

from territoria.registre import vocabulary as voc

PUBLIC = "public"
RESTRICTED = "restreint"


@dataclass(frozen=True)
class FieldSpec:
    name: str  # schema id (Table Schema `name`, processed_data.csv column)
    title: str
    description: str
    access: str = PUBLIC
    required: bool = False
    type: str = "string"  # Table Schema type
    vocabulary: voc.Vocabulary | None = None
    multiple: bool = False
    csv_column: str | None = None  # column of the anchor's data.csv export
    category: str = "Information générale"
    organisation_attr: str | None = None  # comes from the carrying organisation
    model_attr: str | None = None  # attribute on Project when it differs from `name`

    @property
    def attr(self) -> str:
        return self.model_attr or self.name

    @property
    def is_public(self) -> bool:
        return self.access == PUBLIC


GENERAL = "Information générale"
ALGO = "Algorithme"
DATA = "Données"
RISK = "Risques (AI Act)"
META = "Métadonnées"

FIELDS: list[FieldSpec] = [
    FieldSpec(
        "coll_nom",
        "Porteur",
        "Nom de la collectivité ou de l'organisation porteuse du projet",
        required=True,
        csv_column="Nom_collectivite",
        organisation_attr="name",
    ),
    FieldSpec(
        "nom_projet",
        "Projet",
        "Nom du projet ou du service déployé",
        required=True,
        csv_column="Nom_du_projet",
    ),
    FieldSpec(
        "coll_siret",
        "Identifiant SIRET de la collectivité",
        "Identifiant SIRET de la collectivité qui a adopté la délibération, composé de 9 chiffres "
        "SIREN + 5 chiffres NIC d'un seul tenant",
        required=True,
        csv_column="SIRET",
        organisation_attr="siret",
    ),
    FieldSpec(
        "latitude",
        "Latitude",
        "Latitude du siège social de l'organisation porteuse",
        required=True,
        type="number",
        csv_column="Latitude",
        organisation_attr="latitude",
    ),
    FieldSpec(
        "longitude",
        "Longitude",
        "Longitude du siège social de l'organisation porteuse",
        required=True,
        type="number",
        csv_column="Longitude",
        organisation_attr="longitude",
    ),
    FieldSpec(
        "coll_type",
        "Type de collectivité",
        "Commune, EPCI, communauté d'agglomération, métropole, EPT, département, région, "
        "syndicat mixte, opérateur",
        required=True,
        csv_column="Type_de_collectivite",
        organisation_attr="type",
    ),
    FieldSpec(
        "projet_date",
        "Date de démarrage du projet",
        "Date de démarrage du projet (MM/AAAA)",
        required=True,
        type="date",
        csv_column="Date_de_demarrage",
    ),
    FieldSpec(
        "projet_status",
        "Maturité",
        "En expérimentation, en déploiement, terminée ou abandonné",
        required=True,
        vocabulary=voc.PROJECT_STATUSES,
        csv_column="Statut_du_projet",
    ),
    FieldSpec(
        "status_abandon",
        "Description d'un projet abandonné",
        "Si échec du projet, expliquer les raisons et les difficultés",
    ),
    FieldSpec(
        "partenaires",
        "Partenaires associés",
        "Liste des partenaires (académiques, experts, techniques, financeurs…) associés, "
        "séparés par des tirets",
        csv_column="Partenaires",
    ),
    FieldSpec(
        "projet_contact",
        "Contact du service en charge",
        "E-mail du contact ou du service en charge du suivi de ce projet",
        access=RESTRICTED,
        type="string",
    ),
    FieldSpec(
        "financement",
        "Financement",
        "Guichet de financement (interne, Fonds vert, CRTE, France 2030, FEDER, DIAT…)",
        access=RESTRICTED,
    ),
    FieldSpec(
        "budget",
        "Budget",
        "Budget annuel dédié à ce service (ordre de grandeur)",
        access=RESTRICTED,
        vocabulary=voc.BUDGETS,
    ),
    FieldSpec(
        "usage_description",
        "Description globale du service et de ses usages",
        "À quoi sert ce service ? Quels bénéfices attendus ?",
        required=True,
        csv_column="Description_service",
    ),
    FieldSpec(
        "mise_en_oeuvre",
        "Développement et mise en œuvre",
        "Projet développé en interne, en externe, mobilisation de prestataire(s), marché public",
        access=RESTRICTED,
        required=True,
        vocabulary=voc.IMPLEMENTATIONS,
    ),
    FieldSpec(
        "theme",
        "Thème principal",
        "Grande politique publique adressée par ce cas d'usage",
        required=True,
        vocabulary=voc.THEMES,
        csv_column="Theme",
    ),
    FieldSpec(
        "sous_theme",
        "Sous-thèmes",
        "Jusqu'à deux sous-thèmes",
        vocabulary=voc.SUB_THEMES,
        multiple=True,
        csv_column="Sous_Theme",
        model_attr="sous_themes",
    ),
    FieldSpec(
        "audience_service",
        "Audience du service",
        "À qui s'adresse ce service : grand public, bénéficiaire, agent, association, élu, "
        "entreprises, collectivités, établissement scolaire, établissement de santé",
        required=True,
        vocabulary=voc.AUDIENCES,
        multiple=True,
        csv_column="Audience",
        model_attr="audiences",
    ),
    FieldSpec(
        "hebergement",
        "Hébergement du service",
        "Où sont hébergées les données : dans le cloud d'un tiers, en interne dans "
        "l'administration, ou « NSP » si vous ne savez pas.",
        access=RESTRICTED,
        required=True,
        vocabulary=voc.HOSTINGS,
    ),
    FieldSpec(
        "nom_algorithme",
        "Nom de l'algorithme",
        "S'il n'en a pas, indiquer la décision mise en œuvre. Exemple : réservation et accès crèche.",
        access=RESTRICTED,
        required=True,
        category=ALGO,
    ),
    FieldSpec(
        "algorithme_description",
        "Description globale de l'algorithme",
        "À quoi sert cet algorithme ? Quelles sont les tâches à accomplir ?",
        access=RESTRICTED,
        category=ALGO,
    ),
    FieldSpec(
        "algorithme_operations",
        "Opérations effectuées par l'algorithme",
        "Détails des opérations techniques effectuées par l'algorithme.",
        access=RESTRICTED,
        category=ALGO,
    ),
    FieldSpec(
        "type_algorithme",
        "Type d'algorithme",
        "Apprentissage automatique (machine learning), traitement automatique du langage, IA "
        "générative, vision par ordinateur (computer vision), réseaux de neurones, ou « NSP » si "
        "vous ne savez pas.",
        access=RESTRICTED,
        required=True,
        vocabulary=voc.ALGORITHM_TYPES,
        category=ALGO,
    ),
    FieldSpec(
        "impact_environnement",
        "Évaluation de l'impact environnemental",
        "Score ou impact environnemental de l'algorithme (GreenAlgorithm…)",
        access=RESTRICTED,
        category=ALGO,
    ),
    FieldSpec(
        "donnees_source",
        "Source des données",
        "Qui fournit les données nécessaires à l'entraînement et à l'utilisation du modèle ?",
        access=RESTRICTED,
        required=True,
        vocabulary=voc.DATA_SOURCES,
        category=DATA,
    ),
    FieldSpec(
        "donnees_acces",
        "Mode de collecte et d'accès des données traitées",
        "Comment les données sont-elles collectées et mises à jour ? Par API, de façon "
        "automatisée, par récupération manuelle, ou « NSP » si vous ne savez pas.",
        access=RESTRICTED,
        required=True,
        vocabulary=voc.DATA_ACCESS,
        category=DATA,
    ),
    FieldSpec(
        "risque",
        "Évaluation des risques",
        "Évaluation des risques utilisée, aperçu des risques et des mesures d'atténuation",
        access=RESTRICTED,
        category=RISK,
    ),
    FieldSpec(
        "risque_categorie",
        "Catégorie de risque (AI Act)",
        "Catégorie de risque de cette utilisation au sens du règlement européen sur l'IA",
        vocabulary=voc.RISK_CATEGORIES,
        category=RISK,
    ),
    FieldSpec(
        "proportionalite",
        "Proportionnalité",
        "Pourquoi l'algorithme est nécessaire : bénéfice par rapport à une solution sans IA",
        category=RISK,
    ),
    FieldSpec(
        "decision",
        "Portée de la décision",
        "Portée externe (pour un usager) ou procédure interne (par exemple la mobilité des agents)",
        category=RISK,
    ),
    FieldSpec(
        "erreur",
        "Efficacité du système d'IA",
        "Écart entre les objectifs attendus et les résultats : faible (répond bien), moyen "
        "(partiellement), fort (ne répond pas aux objectifs)",
        access=RESTRICTED,
        vocabulary=voc.LEVELS,
        category=RISK,
    ),
    FieldSpec(
        "explicabilite",
        "Niveau d'explicabilité de l'algorithme",
        "Faible : facilement explicable au public ; moyen : explicable mais complexe ; "
        "fort : non explicable au public",
        vocabulary=voc.LEVELS,
        category=RISK,
    ),
    FieldSpec(
        "reversibilite",
        "Réversibilité des traitements et des services",
        "Est-il possible d'annuler complètement les effets de l'algorithme ? Que faut-il pour cela ?",
        category=RISK,
    ),
    FieldSpec(
        "objection",
        "Procédure d'objection",
        "Comment les personnes peuvent s'opposer à l'utilisation ou au résultat de l'algorithme",
        category=RISK,
    ),
    FieldSpec(
        "url_infos",
        "URL information",
        "Lien vers le projet (information ou accès au service)",
        type="string",
        csv_column="URL_Service",
    ),
    FieldSpec(
        "url_ressources",
        "URL ressource",
        "Lien vers des ressources techniques (algorithme, base de données, modèle…)",
        access=RESTRICTED,
    ),
    FieldSpec(
        "image_url",
        "Image",
        "Lien vers le logo de la collectivité porteuse du projet",
        required=True,
        csv_column="URL_Logo",
        organisation_attr="logo_url",
    ),
    FieldSpec(
        "date",
        "Date de mise à jour des informations",
        "Date de mise à jour des informations (JJ/MM/AAAA), fixée par la plateforme",
        required=True,
        type="date",
        csv_column="Date_de_derniere_mise_a_jour",
        category=META,
        model_attr="content_updated_on",
    ),
]

BY_NAME: dict[str, FieldSpec] = {spec.name: spec for spec in FIELDS}
BY_ATTR: dict[str, FieldSpec] = {spec.attr: spec for spec in FIELDS}

PUBLIC_FIELDS = [spec.name for spec in FIELDS if spec.is_public]
RESTRICTED_FIELDS = [spec.name for spec in FIELDS if not spec.is_public]
# Columns of the anchor's data.csv export, in its order (its consumers rely on them).
ANCHOR_CSV_COLUMNS = [spec.csv_column for spec in FIELDS if spec.csv_column]
ORGANISATION_FIELDS = [spec for spec in FIELDS if spec.organisation_attr]
PROJECT_FIELDS = [spec for spec in FIELDS if not spec.organisation_attr]


def spec(name: str) -> FieldSpec:
    return BY_NAME[name]
