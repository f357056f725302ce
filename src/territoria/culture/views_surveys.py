"""Survey pages: build and follow (agents), answer anonymously (anyone with the link)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from territoria.core.client_address import client_address
from territoria.core.roles import has_capability
from territoria.culture import charts, surveys
from territoria.culture.apps import EDIT, READ_DRAFTS
from territoria.culture.forms import SurveyForm
from territoria.culture.models import Question, Survey
from territoria.culture.views import _require_editor


def _communes(survey: Survey) -> dict[str, str]:
    if survey.observatory:
        return dict(survey.observatory.communes().values_list("code", "name"))
    return {}


@require_http_methods(["GET", "POST"])
def surveys_page(request):
    if not request.user.is_authenticated:
        return _require_editor(request)
    if not has_capability(request.user, READ_DRAFTS):
        raise PermissionDenied
    form = None
    if has_capability(request.user, EDIT):
        form = SurveyForm(request.POST or None, initial={"questions": surveys.DEFAULT_QUESTIONS})
        if request.method == "POST" and form.is_valid():
            survey = surveys.create_survey(
                form.cleaned_data["title"],
                form.cleaned_data["introduction"],
                form.cleaned_data["questions"],
                form.cleaned_data["observatory"],
                request.user,
            )
            messages.success(request, "Enquête créée : diffusez son lien public.")
            return redirect(survey)
    elif request.method == "POST":
        raise PermissionDenied
    return render(request, "culture/surveys.html", {"surveys": Survey.objects.all(), "form": form})


@require_http_methods(["GET", "POST"])
def survey_results(request, pk):
    if not request.user.is_authenticated:
        return _require_editor(request)
    if not has_capability(request.user, READ_DRAFTS):
        raise PermissionDenied
    survey = get_object_or_404(Survey, pk=pk)
    grid_error, grid_draft = None, {}
    if request.method == "POST":
        if not has_capability(request.user, EDIT):
            raise PermissionDenied
        if request.POST.get("action") == "grille":
            question = get_object_or_404(
                Question, survey=survey, pk=request.POST.get("question"), kind=Question.Kind.OPEN
            )
            text = request.POST.get("grille", "")[:20_000]
            try:
                surveys.save_grid(question, text)
            except surveys.SurveyError as error:
                grid_error = (question.pk, f"Grille non enregistrée : {error}.")
                grid_draft = {question.pk: text}
            else:
                messages.success(
                    request,
                    "Grille de thèmes enregistrée."
                    if text.strip()
                    else "Grille retirée : seuls les regroupements automatiques sont montrés.",
                )
                return redirect(survey)
        else:
            survey.is_open = request.POST.get("action") == "ouvrir"
            survey.save(update_fields=["is_open", "updated_at"])
            return redirect(survey)
    from territoria.culture.surveys import results

    found = results(survey, _communes(survey))
    for block in found["blocks"]:
        pk = block["question"].pk
        block["grid_text"] = grid_draft.get(pk, block["question"].theme_grid)
        block["grid_tables"] = [
            (block.get("grid_by_public") or [], "tranche d'âge", "Tranche d'âge"),
            (block.get("grid_by_commune") or [], "commune", "Commune"),
        ]
        block["grid_is_default"] = block["question"].theme_grid.strip() == surveys.DEFAULT_GRID
        block["grid_error"] = grid_error[1] if grid_error and grid_error[0] == pk else None
        _action_effect(request, block)
        _correlation(request, block)
    return render(
        request,
        "culture/survey_results.html",
        {
            "survey": survey,
            "results": found,
            "editor": has_capability(request.user, EDIT),
            "public_link": request.build_absolute_uri(survey.public_url()),
            "min_cell": surveys.MIN_CELL,
            "hidden_text": surveys.HIDDEN_TEXT,
            "default_grid": surveys.DEFAULT_GRID,
            "measure": surveys.MEASURED,
            "survey_communes": sorted(_communes(survey).items(), key=lambda item: item[1]),
        },
        status=400 if grid_error else 200,
    )


def _correlation(request, block) -> None:
    """Share of agreement, or of the first choice of a closed question (participation: « Oui,
    je suis allé(e) au musée »), × a social indicator across communes (GET form under the
    by-commune table of the question)."""
    question = block["question"]
    if question.kind == Question.Kind.OPEN or not block.get("by_commune"):
        return
    from territoria.culture.models import Indicator

    codes = set(
        question.answers.exclude(response__commune_code="").values_list(
            "response__commune_code", flat=True
        )
    )
    block["indicator_names"] = list(
        Indicator.objects.filter(commune_code__in=codes, level=Indicator.Level.COMMUNE)
        .values_list("name", flat=True)
        .distinct()
        .order_by("name")
    )
    chosen = request.GET.get("indicateur", "")
    if request.GET.get("correlation") != str(question.pk) or chosen not in block["indicator_names"]:
        return
    block["chosen_indicator"] = chosen
    try:
        block["correlation"] = surveys.participation_correlation(question, chosen)
    except surveys.SurveyError as error:
        block["correlation_error"] = f"Corrélation non calculée : {error}."


def _action_effect(request, block) -> None:
    """Before/after an action on an agreement statement asked in two waves: the officer picks
    the action's communes and the earlier wave (GET form under the trend table)."""
    trend = block.get("trend")
    if not trend:
        return
    question = block["question"]
    earlier = [w for w in trend["waves"] if not w["current"]]
    block["effect_waves"] = earlier
    if request.GET.get("effet") != str(question.pk):
        return
    chosen = set(request.GET.getlist("communes"))
    block["effect_communes"] = chosen
    before = next(
        (w for w in earlier if str(w["survey"].pk) == request.GET.get("avant")),
        earlier[-1] if earlier else None,
    )
    if before is None:
        return
    block["effect_before"] = before["survey"].pk
    try:
        block["effect"] = surveys.action_effect(
            question, chosen, before["question"], [w["question"] for w in trend["waves"]]
        )
        event = block["effect"]["event"]
        if event:
            rows = [r for r in event["rows"] if r["gap"] is not None]
            base = next(r["position"] for r in event["rows"] if r["phase"] == "référence")
            block["effect_chart"] = charts.line_chart(
                [r["position"] for r in rows],
                [
                    {
                        "values": [r["gap"] for r in rows],
                        "label": "Écart communes de l'action − autres, depuis la vague de référence",
                        "colour": "#253494",
                    }
                ],
                "Écart de part d'accord (points) entre communes de l'action et autres communes, "
                "par vague, rapporté à la dernière vague avant l'action, avec son intervalle (conjoint "
                "à 95 % sur les vagues d'avant l'action)",
                band=([r["low"] for r in rows], [r["high"] for r in rows]),
                marker_year=base + 1 if any(r["position"] > base for r in rows) else None,
                zero_line=True,
                y_label="points (0 = même évolution que les autres communes) ; en abscisse : n° de vague",
            )
    except surveys.SurveyError as error:
        block["effect_error"] = f"Effet non estimé : {error}."


@require_http_methods(["GET", "POST"])
def survey_answer(request, token):
    from territoria.culture import surveys as service

    survey = Survey.objects.filter(token=token).first()
    if survey is None:
        raise Http404
    questions = list(survey.questions.all())
    communes = sorted(_communes(survey).items(), key=lambda item: item[1])
    context = {
        "survey": survey,
        "questions": questions,
        "communes": communes,
        "agree": list(enumerate(service.AGREE_LABELS, start=1)),
        "ages": service.AGE_BANDS,
    }
    if not survey.is_open:
        return render(request, "culture/survey_answer.html", {**context, "closed": True})
    if request.method == "POST":
        values, errors = {}, []
        for question in questions:
            value = (request.POST.get(f"q{question.position}") or "").strip()[:2000]
            if (
                question.kind == Question.Kind.AGREE
                and value
                and value not in {"1", "2", "3", "4", "5"}
            ):
                errors.append(f"« {question.text} » : choisissez une valeur de 1 à 5.")
            elif question.kind == Question.Kind.CHOICE and value and value not in question.choices:
                errors.append(f"« {question.text} » : choisissez une réponse de la liste.")
            values[question] = value
        commune = request.POST.get("commune", "")
        if commune and commune not in dict(communes):
            errors.append("Commune inconnue : choisissez-la dans la liste.")
        age = request.POST.get("age", "")
        if age and age not in service.AGE_BANDS:
            errors.append("Tranche d'âge inconnue.")
        if not any(values.values()):
            errors.append("Répondez au moins à une question.")
        if errors:
            return render(
                request, "culture/survey_answer.html", {**context, "errors": errors}, status=400
            )
        key = service.source_key(
            survey, client_address(request), request.META.get("HTTP_USER_AGENT", "")
        )
        service.record(survey, values, commune, age, key)
        return render(request, "culture/survey_answer.html", {**context, "thanks": True})
    return render(request, "culture/survey_answer.html", context)
