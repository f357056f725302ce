"""The selection grid: the six criteria of the seed's action 1, their questions and 0–4 scale.

One table, read by the forms, the reconciliation of several evaluators, the comparison, the
exports and the choice guide. Scores are integers 0–4; some answers require evidence (a
claim about hosting, a certification, a legal basis must say where it can be checked), and
any answer of 3 or 4 requires it too: a high mark without evidence is not accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import mean

SCALE = {
    0: "Absent ou inacceptable",
    1: "Insuffisant",
    2: "Partiel",
    3: "Satisfaisant",
    4: "Excellent, démontré",
}
MIN_SCORE, MAX_SCORE = 0, 4
DISAGREEMENT = 2  # evaluators whose criterion scores differ by this much must discuss


@dataclass(frozen=True)
class Question:
    code: str
    text: str
    evidence_required: bool = False


@dataclass(frozen=True)
class Criterion:
    code: str
    label: str
    explanation: str
    questions: tuple[Question, ...]
    levels: dict[int, str]  # what 0, 2 and 4 mean for this criterion


CRITERIA: tuple[Criterion, ...] = (
    Criterion(
        "valeur_ajoutee",
        "Valeur ajoutée technologique",
        "Ce que l'IA apporte de plus qu'une solution classique pour le service rendu.",
        (
            Question("gain", "Le gain attendu (temps, qualité, service) est-il mesuré ?", True),
            Question("maturite", "La technologie est-elle mature et utilisée en production ?"),
        ),
        {0: "aucun gain démontré", 2: "gain plausible, non mesuré", 4: "gain mesuré ailleurs"},
    ),
    Criterion(
        "innovation",
        "Innovation",
        "La nouveauté de l'approche et sa capacité à évoluer avec l'état de l'art.",
        (
            Question("nouveaute", "L'approche est-elle nouvelle pour les collectivités ?"),
            Question("evolutivite", "Le projet suit-il l'état de l'art (mises à jour, modèles) ?"),
        ),
        {0: "technologie dépassée", 2: "à jour", 4: "référence du domaine"},
    ),
    Criterion(
        "adequation",
        "Adéquation aux besoins",
        "La solution répond-elle au besoin décrit, pour les agents et les usagers concernés ?",
        (
            Question("besoin", "Couvre-t-elle le besoin exprimé sans développement lourd ?"),
            Question("usage", "Est-elle utilisable par les agents (langue, ergonomie) ?"),
            Question("integration", "S'intègre-t-elle aux logiciels métier existants ?"),
        ),
        {0: "hors sujet", 2: "couvre une partie du besoin", 4: "couvre le besoin"},
    ),
    Criterion(
        "souverainete",
        "Souveraineté des données",
        "Où sont les données, qui peut y accéder, peut-on partir avec elles.",
        (
            Question("hebergement", "Les données restent-elles en France ou dans l'UE ?", True),
            Question(
                "reversibilite", "Peut-on récupérer données et paramètres (formats ouverts) ?", True
            ),
            Question("licence", "Le code est-il libre ou auditable ?"),
        ),
        {0: "données hors UE, sans sortie", 2: "UE, sortie partielle", 4: "sur site, libre"},
    ),
    Criterion(
        "cadre_juridique",
        "Cadre juridique et réglementaire",
        "RGPD, règlement européen sur l'IA, code des relations entre le public et l'administration.",
        (
            Question("rgpd", "Une analyse d'impact (AIPD) est-elle possible ou fournie ?", True),
            Question("ai_act", "Le niveau de risque au sens du règlement IA est-il établi ?", True),
        ),
        {0: "non conforme", 2: "conformité à établir", 4: "conformité documentée"},
    ),
    Criterion(
        "environnement",
        "Impact environnemental",
        "Énergie, matériel et sobriété du modèle au regard du service rendu.",
        (
            Question("energie", "La consommation d'énergie est-elle connue ou mesurable ?"),
            Question("sobriete", "Le modèle est-il proportionné (taille, calcul) au besoin ?"),
        ),
        {0: "inconnu et disproportionné", 2: "connu", 4: "mesuré et sobre"},
    ),
)

BY_CODE = {criterion.code: criterion for criterion in CRITERIA}
QUESTIONS = {
    f"{criterion.code}.{question.code}": (criterion, question)
    for criterion in CRITERIA
    for question in criterion.questions
}
DEFAULT_WEIGHTS = {criterion.code: 1 for criterion in CRITERIA}
MAX_WEIGHT = 5


class GridError(ValueError):
    """A grid answer that cannot be accepted, in French for the evaluator."""


def check_answer(key: str, score, evidence: str) -> int:
    """The score as an int, or GridError saying what is wrong with this answer."""
    if key not in QUESTIONS:
        raise GridError(f"question inconnue « {key} »")
    criterion, question = QUESTIONS[key]
    where = f"« {criterion.label} » — {question.text}"
    try:
        value = int(score)
    except (TypeError, ValueError):
        raise GridError(f"{where} : la note « {score} » n'est pas un nombre entier de 0 à 4")
    if not MIN_SCORE <= value <= MAX_SCORE:
        raise GridError(f"{where} : la note {value} est hors de l'échelle (0 à 4)")
    if (question.evidence_required or value >= 3) and not (evidence or "").strip():
        reason = "cette question" if question.evidence_required else "une note de 3 ou 4"
        raise GridError(f"{where} : {reason} exige une preuve (source, document, lien)")
    return value


def check_weights(weights: dict) -> dict[str, int]:
    clean = {}
    for code, criterion in BY_CODE.items():
        raw = weights.get(code, DEFAULT_WEIGHTS[code])
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise GridError(f"poids de « {criterion.label} » : « {raw} » n'est pas un entier")
        if not 0 <= value <= MAX_WEIGHT:
            raise GridError(f"poids de « {criterion.label} » : {value} hors de 0 à {MAX_WEIGHT}")
        clean[code] = value
    if not any(clean.values()):
        raise GridError("au moins un critère doit avoir un poids non nul")
    return clean


def criterion_scores(answers: dict[str, int]) -> dict[str, float]:
    """{criterion: mean of its answered questions} for one evaluator's answers {key: score}."""
    out = {}
    for criterion in CRITERIA:
        values = [answers[k] for k in answers if k.startswith(criterion.code + ".")]
        if values:
            out[criterion.code] = mean(values)
    return out


@dataclass
class Reconciled:
    """Several evaluators' scores of one solution, criterion by criterion."""

    by_criterion: dict[str, float]  # mean over evaluators
    spread: dict[str, float]  # max - min over evaluators
    evaluators: int

    @property
    def disputed(self) -> list[str]:
        return [code for code, gap in self.spread.items() if gap >= DISAGREEMENT]

    def total(self, weights: dict[str, int] | None = None) -> float | None:
        """The weighted mean on the 0–4 scale over the criteria scored (None: nothing scored)."""
        weights = weights or DEFAULT_WEIGHTS
        scored = [(weights.get(c, 0), s) for c, s in self.by_criterion.items()]
        total_weight = sum(w for w, _ in scored)
        if not total_weight:
            return None
        return sum(w * s for w, s in scored) / total_weight


def reconcile(per_evaluator: list[dict[str, float]]) -> Reconciled:
    """Mean per criterion over the evaluators who scored it, and their spread."""
    by_criterion, spread = {}, {}
    for criterion in CRITERIA:
        values = [scores[criterion.code] for scores in per_evaluator if criterion.code in scores]
        if values:
            by_criterion[criterion.code] = mean(values)
            spread[criterion.code] = max(values) - min(values)
    return Reconciled(by_criterion, spread, len(per_evaluator))
