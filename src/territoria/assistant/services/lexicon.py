"""How citizens say it, how administrations write it: a small lexicon of equivalent phrases.

Each group lists phrases that mean the same thing for a question ("caution" and "dépôt de
garantie", "chômage" and "allocation d'aide au retour à l'emploi"). A question that holds one
phrase of a group (all its analysed terms) gets the other phrases:
* added to the lexical query (`expansion`), never to the dense one (e5 reads the question as
  asked);
* accepted in its place when the extractive answer weighs a sentence (`alternatives`).

Written by hand from general administrative French (Service-Public vocabulary, municipal
services), not from the evaluation questions. Spoken phrases of questions ("est-ce que je peux",
"j'aimerais savoir") are handled by `spoken_terms`: dropped from the lexical query.
"""

from __future__ import annotations

from functools import lru_cache

from territoria.search.analyzer import analyze

GROUPS: tuple[tuple[str, ...], ...] = (
    # money
    ("coût", "prix", "tarif", "montant", "frais", "facturé"),  # not "payer": its stem is "PAI"
    ("gratuit", "sans frais"),
    ("remboursement", "rembourser"),
    ("caution", "dépôt de garantie"),
    ("amende", "contravention", "procès-verbal"),
    ("impôt", "taxe", "fiscal"),
    # work, income, social benefits
    ("chômage", "allocation d'aide au retour à l'emploi", "demandeur d'emploi", "France Travail"),
    ("licenciement", "licencié", "rupture du contrat de travail"),
    ("démission", "démissionner"),
    ("arrêt maladie", "arrêt de travail", "indemnités journalières"),
    ("retraite", "pension de vieillesse"),
    ("RSA", "revenu de solidarité active"),
    ("APL", "aide personnalisée au logement", "aide au logement"),
    ("CAF", "caisse d'allocations familiales"),
    ("salaire", "rémunération"),  # not "paie": its stem is that of "payer" and "PAI"
    ("congé maternité", "congé de maternité", "enceinte", "grossesse"),
    # housing, neighbours
    ("loyer", "bail", "location", "locataire"),
    ("propriétaire", "bailleur"),
    ("déménagement", "déménager", "changement d'adresse"),
    ("voisin", "voisinage", "trouble du voisinage"),
    ("bruit", "tapage", "nuisances sonores"),
    # civil status, identity
    ("carte d'identité", "carte nationale d'identité", "CNI"),
    ("se marier", "mariage", "époux"),
    ("pacs", "pacte civil de solidarité"),
    ("divorce", "divorcer", "séparation"),
    ("décès", "mort", "décédé", "défunt"),
    ("naissance", "naître", "bébé", "nouveau-né"),
    ("carte grise", "certificat d'immatriculation"),
    ("permis de conduire", "conduire"),
    # children, school
    ("cantine", "restauration scolaire", "restaurant scolaire", "déjeuner à l'école"),
    ("repas", "déjeuner"),
    ("crèche", "garde d'enfant", "assistante maternelle"),
    ("enfant", "fils", "fille"),
    ("école", "scolaire", "élève"),
    # municipal services
    ("déchetterie", "déchèterie", "centre de recyclage"),
    ("encombrants", "objets volumineux"),
    ("stationnement", "stationner", "se garer", "parking"),
    ("médiathèque", "bibliothèque"),
    ("emprunter", "prêt"),
    ("piscine", "nager", "baignade"),
    ("horaires", "heure d'ouverture", "ouvert", "fermé"),
    ("mairie", "hôtel de ville"),
    ("permis de construire", "construire", "construction"),
    ("déclaration préalable", "déclaration préalable de travaux"),
    ("inscrire", "inscription"),
    ("demande", "démarche", "formulaire"),
    ("délai", "combien de temps"),
)

# Lexical expansion is narrower than GROUPS: only from a citizen's word to the administration's
# (never the reverse, never between common words such as "enfant" / "fils", "demande" /
# "formulaire", which add noise to an any-word BM25 query: measured on the fiches' tuning half,
# docs/assistant.md).
EXPAND: dict[str, tuple[str, ...]] = {
    "caution": ("dépôt de garantie",),
    "chômage": ("allocation d'aide au retour à l'emploi",),
    "se garer": ("stationnement",),
    "sécu": ("assurance maladie",),
    "sécurité sociale": ("assurance maladie",),
    "carte bleue": ("carte bancaire",),
    "mutuelle": ("complémentaire santé",),
    "patron": ("employeur",),
    "boulot": ("emploi",),
    "viré": ("licenciement",),
    "proprio": ("propriétaire", "bailleur"),
    "déchèterie": ("déchetterie",),
    "déchetterie": ("déchèterie",),
    "centre de recyclage": ("déchetterie",),
    "bibliothèque": ("médiathèque",),
    "héritage": ("succession",),
    "enterrement": ("obsèques",),
    "HLM": ("logement social",),
    "RSA": ("revenu de solidarité active",),
    "APL": ("aide personnalisée au logement",),
    "CAF": ("caisse d'allocations familiales",),
    "pacser": ("Pacs",),
    "amende": ("contravention",),
    "arrêt maladie": ("indemnités journalières",),
    "retraite": ("pension de vieillesse",),
    "carte grise": ("certificat d'immatriculation",),
    "permis de conduire": ("permis",),
    "nounou": ("assistante maternelle",),
    "cantine": ("restauration scolaire",),
    "tapage": ("bruit",),
    "impôts locaux": ("taxe foncière", "taxe d'habitation"),
    # added from the misses of the fiches' tuning half (general vocabulary, not a question's)
    "mi-temps": ("temps partiel",),
    "certificat de décès": ("acte de décès",),
    "généraliste": ("consultation médicale", "médecin traitant"),
    "horodateur": ("forfait post-stationnement",),
    "frigo": ("équipements électriques",),
    "mouvement social": ("grève",),
    "condamné": ("casier judiciaire",),
    "humilie": ("harcèlement moral",),
    "regrette": ("droit de rétractation",),
    "étaler": ("acomptes", "mensualisation"),
    "accord de branche": ("convention collective",),
    "enceinte": ("grossesse", "maternité"),
    "handicapé": ("allocation aux adultes handicapés",),
    "mettre à la porte": ("expulsion",),
    # issue 20, from the misses of the fiches' tuning half only: everyday words and the
    # administration's (general vocabulary, each usable by many questions)
    "hérité": ("succession", "héritier"),
    "hériter": ("succession",),
    "papiers": ("pièces justificatives", "justificatif"),
    "bac": ("baccalauréat", "examen"),
    "compagnon": ("concubin", "union libre"),
    "compagne": ("concubin", "union libre"),
    "pas mariés": ("concubinage", "union libre"),
    "mari": ("conjoint", "époux"),
    "7 jours sur 7": ("repos hebdomadaire",),
    "contester le jugement": ("faire appel",),
    "après le collège": ("après la troisième", "orientation"),
    "après le brevet": ("après la troisième", "affectation"),
    "partir à l'amiable": ("rupture conventionnelle",),
    "quitter à l'amiable": ("rupture conventionnelle",),
    "facture d'électricité": ("énergie",),
    "facture de gaz": ("énergie",),
    "impôt local": ("taxe d'habitation", "taxe foncière"),
    "fiche de paie": ("bulletin de paie",),
    "au-delà de 35 h": ("heures supplémentaires",),
    "heures en plus": ("heures supplémentaires",),
    "premières semaines": ("période d'essai",),
    "en plein hiver": ("trêve hivernale",),
    "hiver": ("trêve hivernale",),
    "revenu de solidarité": ("RSA",),
    "médecin du travail": ("médecine du travail",),
    "médecin au travail": ("médecine du travail",),
    "périmé": ("expiré", "renouvellement"),
    "accueillir un enfant": ("adoption", "adopter"),
    "porter plainte": ("plainte",),
    "ex-conjoint": ("prestation compensatoire",),
    "argent pour les enfants": ("pension alimentaire",),
    "document rédigé à mon arrivée": ("état des lieux",),
    "grillades": ("barbecue",),
    "eau du jardin": ("eaux de ruissellement",),
    "inonde": ("ruissellement", "dégât des eaux"),
    "bureau de vote": ("élections", "voter"),
    "jamais été condamné": ("casier judiciaire",),
    "bon pour payer": ("chèque",),
    "toucher": ("percevoir",),
    "sans ressources": ("revenus",),
    "vieux parents": ("personne âgée",),
    "maison de retraite": ("Ehpad",),
    "arrêt de bus": ("transport",),
    "chauffage": ("énergie",),
    "internet": ("communications électroniques",),
    "banque": ("établissement bancaire",),
    "crédit": ("prêt",),
    "dettes": ("surendettement",),
    "ne peux plus payer": ("surendettement", "impayés"),
    "voiture": ("véhicule",),
    "radar": ("excès de vitesse",),
    "points": ("permis à points",),
    "accident": ("sinistre", "assurance"),
    "logement social": ("HLM",),
    "travaux": ("autorisation d'urbanisme",),
    "clôture": ("déclaration préalable",),
    "piscine": ("déclaration préalable",),
    "chien": ("animal",),
    "chat": ("animal",),
    "étranger": ("titre de séjour",),
    "papiers d'identité": ("pièce d'identité",),
    "stage": ("stagiaire",),
    "apprenti": ("apprentissage",),
    "nom de famille": ("changement de nom",),
    "prénom": ("changement de prénom",),
}

# Words of spoken questions that say how one asks, not about what: left out of the lexical
# query (they match every page that says "vous pouvez"), kept for the dense one.
SPOKEN = (
    "est-ce que est-ce qu peux peut pouvons pouvez peuvent pourrais pourrait puis dois doit "
    "devons devez doivent faut faudrait voudrais voulons veux veut aimerais aimerions souhaite "
    "souhaiterais sais savoir quoi combien comment pourquoi quand quel quelle quels quelles "
    "fais fait faire faut-il ai-je droit avoir droit"
)


@lru_cache(maxsize=1)
def _analysed_groups() -> tuple[tuple[tuple[str, ...], ...], ...]:
    return tuple(
        tuple(terms for terms in (tuple(analyze(phrase)) for phrase in group) if terms)
        for group in GROUPS
    )


@lru_cache(maxsize=1)
def spoken_terms() -> frozenset[str]:
    return frozenset(analyze(SPOKEN)) - {"droit"}


def alternatives(terms: list[str]) -> dict[str, list[tuple[str, ...]]]:
    """For each question term, the other phrases (as analysed term tuples) that may stand for it:
    those of its groups, and the administration's phrases of `EXPAND` ("proprio" → "bailleur")."""
    present = set(terms)
    found: dict[str, list[tuple[str, ...]]] = {}
    pairs = [
        (phrase, [other for other in group if other != phrase])
        for group in _analysed_groups()
        for phrase in group
    ] + [
        (source, [tuple(analyze(t)) for t in targets if analyze(t)])
        for source, targets in _analysed_expansions()
    ]
    for phrase, others in pairs:
        if set(phrase) <= present:
            for term in phrase:
                found.setdefault(term, [])
                found[term] += [o for o in others if o not in found[term]]
    return found


@lru_cache(maxsize=1)
def _analysed_expansions() -> tuple[tuple[tuple[str, ...], tuple[str, ...]], ...]:
    return tuple(
        (tuple(analyze(source)), targets) for source, targets in EXPAND.items() if analyze(source)
    )


def expansion(terms: list[str]) -> list[str]:
    """The administration's phrases (as written) to add to a lexical query, each once."""
    present = set(terms)
    extra: list[str] = []
    for source, targets in _analysed_expansions():
        if set(source) <= present:
            extra += [t for t in targets if not set(analyze(t)) <= present and t not in extra]
    return extra


def holds(term: str, terms: set[str], alts: dict[str, list[tuple[str, ...]]]) -> bool:
    """The term, or one of its equivalent phrases, is among `terms`."""
    return term in terms or any(set(phrase) <= terms for phrase in alts.get(term, ()))
