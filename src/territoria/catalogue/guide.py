"""The choice guide: from a described need to an ordered, explained shortlist of solutions.

1. Hard constraints filter the catalogue, each exclusion explained (data sensitivity vs
   hosting, budget vs price model, hosting constraint).
2. The need's text is read for the AI functions it asks for (a small lexicon of French,
   English and Dutch word stems per function of vocabulary.AI_FEATURES) and compared with
   each solution's text (TF-IDF over the platform's French analyzer).
3. Solutions are ordered by: functions asked that the solution offers, domain, text
   similarity, then its reconciled grid score and free-software status as tie-breakers.

`keyword_rank` is the baseline the evaluation compares with: shared words only.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from territoria.catalogue import vocabulary as voc
from territoria.registre.vocabulary import fold
from territoria.search.analyzer import analyze

# Word stems (folded: lower case, no accents) that signal each AI function in a need.
LEXICON: dict[str, tuple[str, ...]] = {
    "llm": (
        "redige",
        "rediger",
        "redaction",
        "redactionnel",
        "ecrire",
        "ia generative",
        "generative",
        "chatgpt",
        "gpt",
        "taalmodel",
        "language model",
        "llm",
        "schrijven",
        "copilot",
        "ecrits",
        "tekst",
        "assistant ia",
        "ai-assistent",
        "ai assistant",
    ),
    "summarisation": (
        "resum",
        "synthes",
        "samenvat",
        "summar",
        "notulen",
        "compte rendu",
        "comptes rendus",
        "minutes",
        "verslag",
    ),
    "chatbot": (
        "chatbot",
        "agent conversationnel",
        "voicebot",
        "webchat",
        "virtual assistant",
        "assistant virtuel",
        "enquiries",
        "queries",
        "24/7",
        "inwoners",
        "customers",
        "usagers",
        "habitants",
        "burger",
    ),
    "rag": (
        "bevragen",
        "knowledge base",
        "base de connaissance",
        "archief",
        "archive",
        "rechercher dans",
        "find information",
        "informatie",
        "documents",
        "documenten",
        "guidance",
        "questions",
    ),
    "ocr": (
        "ocr",
        "numerise",
        "scann",
        "scan",
        "manuscrit",
        "courrier papier",
        "return letters",
        "letters",
        "documentreader",
    ),
    "doc_extraction": ("extrai", "extract", "pdf", "formulaire", "invoer", "structur"),
    "stt": (
        "transcri",
        "spraak",
        "speech",
        "parole",
        "audio",
        "voix",
        "voice",
        "dicte",
        "notulen",
        "enregistre",
        "raadsvergadering",
        "telephone",
        "telefon",
        "geluid",
    ),
    "tts": (
        "synthese vocale",
        "voix de synthese",
        "voix haute",
        "voorlezen",
        "readspeaker",
        "text-to-speech",
        "visuele handicap",
        "malvoyant",
        "lezen",
    ),
    "translation": (
        "tradu",
        "vertal",
        "translat",
        "langues",
        "talen",
        "languages",
        "multilingu",
        "nederlands",
        "anglais",
    ),
    "pseudonymisation": (
        "anonymi",
        "anonimi",
        "pseudonymi",
        "occult",
        "lakken",
        "lak ",
        "donnees personnelles",
        "persoonlijke",
        "privacygevoelig",
        "redact",
        "persoonsgegevens",
        "personal data",
        "vertrouwelijk",
    ),
    "classification": (
        "categoris",
        "classif",
        "trier",
        "triage",
        "catego",
        "thematique",
        "routage",
        "classeren",
        "codeer",
        "code standard",
        "themes",
        "conflits d'interet",
        "conflit d'interet",
        "matching",
        "match",
    ),
    "vision": (
        "image",
        "photo",
        "camera",
        "video",
        "beeld",
        "foto",
        "smartphone",
        "visuel",
        "detecter les dommages",
        "degradation",
        "computer vision",
        "dechets",
    ),
    "remote_sensing": (
        "satellite",
        "aerien",
        "aerial",
        "imagerie",
        "imagery",
        "orthophoto",
        "luchtfoto",
        "teledetection",
        "occupation du sol",
        "habitat",
        "milieux naturels",
        "canopee",
        "vegetalis",
        "peat",
        "woodland",
    ),
    "gis": (
        "sig",
        "cartograph",
        "carte",
        "geograph",
        "spatial",
        "gis",
        "kaart",
        "mapping",
        "maps",
        "geolocalis",
        "territoire",
        "parcell",
        "plu",
        "urbanisme",
    ),
    "forecasting": (
        "prevoir",
        "prevision",
        "predi",
        "anticip",
        "forecast",
        "voorspel",
        "tendance",
        "consommation",
        "expenditure",
        "effectif",
        "nombre d'enfants",
        "meteo",
        "temps reel",
        "observatoire",
        "verloop",
        "trends",
    ),
    "optimisation": (
        "optimis",
        "aide a la decision",
        "simulat",
        "scenario",
        "tournee",
        "planning",
        "pilot",
        "programmation de travaux",
        "reseau",
        "fuites",
        "leak",
        "drift",
        "trafic",
        "mobilite",
        "flux",
        "waterstromen",
    ),
    "ml_platform": (
        "apprentissage automatique",
        "machine learning",
        "modele predictif",
        "data science",
        "algorithmes entraines",
        "modele",
        "model",
    ),
    "annotation": ("annot", "etiquet", "labell", "manually screened"),
    "search": (
        "moteur de recherche",
        "search engine",
        "zoekmachine",
        "recherche",
        "search",
        "zoeken",
        "retrieval",
    ),
    "llm_serving": (
        "heberger un modele",
        "infrastructure ia",
        "gpu",
        "self-host",
        "serveur d'inference",
    ),
}

WEIGHTS = {"features": 3.0, "domain": 1.0, "text": 2.0, "grid": 0.3, "free": 0.05}
SENSITIVE = {voc.Sensitivity.PERSONAL, voc.Sensitivity.SENSITIVE}
PAID = {voc.PriceModel.SUBSCRIPTION, voc.PriceModel.USAGE, voc.PriceModel.LICENCE}


@dataclass
class Need:
    text: str
    domain: str = ""  # a code of vocabulary.DOMAINS, or ""
    sensitivity: str = voc.Sensitivity.INTERNAL
    budget: str = voc.Budget.SMALL
    skills: str = voc.Skills.SOME
    on_premise_only: bool = False
    features: list[str] = field(default_factory=list)  # functions ticked by the person


@dataclass
class Proposal:
    solution: object
    score: float
    reasons: list[str]


@dataclass
class Exclusion:
    solution: object
    reason: str


def detect_features(text: str) -> Counter:
    """{feature code: number of its stems found} in the need's text."""
    folded = f" {fold(text)} "
    found = Counter()
    for code, stems in LEXICON.items():
        hits = sum(1 for stem in stems if stem in folded)
        if hits:
            found[code] = hits
    return found


def exclusion_reason(solution, need: Need) -> str | None:
    """Why a hard constraint rules this solution out for this need (None: it does not)."""
    if need.on_premise_only and solution.hosting != voc.Hosting.ON_PREMISE:
        return "vous demandez une solution installable sur vos serveurs"
    if need.sensitivity in SENSITIVE and solution.hosting == voc.Hosting.CLOUD_OTHER:
        return "données personnelles : hébergement hors de l'Union européenne exclu"
    if (
        need.sensitivity == voc.Sensitivity.SENSITIVE
        and solution.hosting != voc.Hosting.ON_PREMISE
        and not solution.secnumcloud
    ):
        return "données sensibles : hébergement sur site ou qualifié SecNumCloud requis"
    if need.budget == voc.Budget.NONE and solution.price_model in PAID:
        return "pas de budget de licence : solution payante exclue"
    return None


def _solution_text(solution) -> str:
    return " ".join(
        [solution.name, solution.description, *solution.feature_labels(), *solution.domain_labels()]
    )


class _Tfidf:
    def __init__(self, documents: list[str]):
        self.tokens = [Counter(analyze(doc)) for doc in documents]
        df = Counter(token for counts in self.tokens for token in counts)
        n = len(documents)
        self.idf = {token: math.log((1 + n) / (1 + count)) + 1 for token, count in df.items()}
        self.vectors = [self._vector(counts) for counts in self.tokens]

    def _vector(self, counts: Counter) -> dict[str, float]:
        vector = {t: (1 + math.log(c)) * self.idf.get(t, 0.0) for t, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        return {t: v / norm for t, v in vector.items()}

    def similarities(self, text: str) -> list[float]:
        query = self._vector(Counter(analyze(text)))
        return [sum(w * doc.get(t, 0.0) for t, w in query.items()) for doc in self.vectors]


def recommend(
    need: Need,
    solutions,
    *,
    grid_totals: dict | None = None,
    limit: int = 3,
    weights: dict | None = None,
) -> tuple[list[Proposal], list[Exclusion]]:
    """The `limit` best solutions for the need, with their reasons, and the exclusions."""
    weights = {**WEIGHTS, **(weights or {})}
    grid_totals = grid_totals or {}
    solutions = list(solutions)
    kept, excluded = [], []
    for solution in solutions:
        reason = exclusion_reason(solution, need)
        if reason:
            excluded.append(Exclusion(solution, reason))
        else:
            kept.append(solution)
    if not kept:
        return [], excluded
    asked = detect_features(need.text)
    for code in need.features:
        asked[code] += 3  # a function the person ticked weighs more than a word in the text
    total_asked = sum(asked.values()) or 1
    similarities = _Tfidf([_solution_text(s) for s in kept]).similarities(need.text)
    proposals = []
    for solution, similarity in zip(kept, similarities):
        matched = [code for code in solution.ai_features if code in asked]
        feature_score = sum(asked[code] for code in matched) / total_asked
        domain_match = bool(need.domain and need.domain in solution.domains)
        grid_total = grid_totals.get(solution.pk)
        score = (
            weights["features"] * feature_score
            + weights["domain"] * domain_match
            + weights["text"] * similarity
            + weights["grid"] * ((grid_total or 0) / 4)
            + weights["free"] * solution.free_software
        )
        reasons = [f"répond à : {voc.AI_FEATURES.label(code)}" for code in matched]
        if domain_match:
            reasons.append(f"domaine : {voc.DOMAINS.label(need.domain)}")
        if grid_total is not None:
            reasons.append(f"note pondérée de la grille : {grid_total:.1f} / 4")
        if solution.free_software:
            reasons.append("logiciel libre")
        if solution.hosting == voc.Hosting.ON_PREMISE:
            if need.skills == voc.Skills.NONE:
                score -= 0.2
                reasons.append("à installer : il vous faudra un prestataire")
            else:
                reasons.append("installable sur vos serveurs")
        if not matched:
            reasons.append("aucune fonction demandée reconnue : proposée pour ses mots communs")
        proposals.append(Proposal(solution, score, reasons))
    proposals.sort(key=lambda p: (-p.score, p.solution.name))
    return proposals[:limit], excluded


def keyword_rank(text: str, solutions, limit: int = 3) -> list:
    """Baseline: solutions ordered by how many distinct words of the need their text shares."""
    need_words = set(analyze(text))
    scored = [(len(need_words & set(analyze(_solution_text(s)))), s.name, s) for s in solutions]
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [s for _, _, s in scored[:limit]]
