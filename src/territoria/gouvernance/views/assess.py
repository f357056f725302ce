"""Pages where a collectivité assesses its record: classification, trust, frugality, CRPA."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from territoria.gouvernance import aiact, services, suggest
from territoria.gouvernance.forms import CrpaForm, FrugalityForm
from territoria.gouvernance.models import (
    Classification,
    CrpaNotice,
    FrugalityAssessment,
    Obligation,
)
from territoria.gouvernance.views._shared import project_for

NONE_OPTION = "aucun"


def _answers_from_post(post) -> dict:
    answers = {}
    for q in aiact.questions():
        key = f"q_{q['id']}"
        if q["type"] == "multi":
            values = post.getlist(key)
            chosen = [v for v in values if v != NONE_OPTION]
            if chosen:
                answers[q["id"]] = chosen
            elif NONE_OPTION in values:
                answers[q["id"]] = []
        elif post.get(key):
            answers[q["id"]] = post[key]
    return answers


def classification(request, pk):
    project, abilities = project_for(request, pk)
    current = services.latest_classification(project)
    editable = abilities["assess"]
    answers = dict(current.answers) if current else {}
    suggestion = None
    if request.method == "POST":
        if not editable:
            raise Http404
        answers = _answers_from_post(request.POST)
        action = request.POST.get("action", "continuer")
        if action == "proposer" and not aiact.evaluate(answers).complete:
            services.save_classification(project, answers, request.user, submit=False)
            messages.error(
                request,
                "La classification est incomplète : répondez aux questions restantes. Vos réponses sont gardées en brouillon.",
            )
            return redirect(f"{request.path}#etape-suivante")
        try:
            saved = services.save_classification(
                project, answers, request.user, submit=action == "proposer"
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if action == "proposer":
                messages.success(
                    request, f"Classification v{saved.number} proposée pour relecture."
                )
                return redirect(
                    "gouvernance:classification_version", pk=project.pk, number=saved.number
                )
            messages.success(request, "Brouillon enregistré.")
            return redirect(f"{request.path}#etape-suivante")
    elif editable and request.GET.get("suggestion"):
        suggestion = suggest.suggest(project)
        answers = (
            {**suggestion.answers, **answers} if request.GET.get("garder") else suggestion.answers
        )
    result = aiact.evaluate(answers)
    asked = {q["id"] for q in aiact.asked(aiact.clean_answers(answers))}
    rules = aiact.load_rules()
    steps = []
    for step in rules["steps"]:
        items = [q for q in rules["questions"] if q["step"] == step["id"] and q["id"] in asked]
        if items:
            steps.append({"step": step, "questions": [(q, answers.get(q["id"])) for q in items]})
    return render(
        request,
        "gouvernance/classification.html",
        {
            "project": project,
            "abilities": abilities,
            "editable": editable,
            "current": current,
            "steps": steps,
            "result": result,
            "suggestion": suggestion,
            "rules_version": rules["version"],
            "first_missing": result.missing[0]["question"] if result.missing else None,
        },
    )


def classification_version(request, pk, number):
    project, abilities = project_for(request, pk)
    version = get_object_or_404(Classification, project=project, number=number)
    obligations = version.obligations.all() if abilities["view_restricted"] else None
    return render(
        request,
        "gouvernance/classification_version.html",
        {
            "project": project,
            "abilities": abilities,
            "version": version,
            "result": version.result,
            "stale": version.is_stale(project),
            "obligations": obligations,
            "today": timezone.localdate(),
            "can_validate": abilities["review"]
            and version.status == Classification.Status.PROPOSED
            and version.created_by_id != request.user.pk,
            "current_rules": aiact.load_rules()["version"],
        },
    )


@require_POST
def validate(request, pk, number):
    project, _abilities = project_for(request, pk, "review")
    version = get_object_or_404(Classification, project=project, number=number)
    try:
        services.validate_classification(
            version, request.user, request.POST.get("note", "").strip()
        )
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
    else:
        messages.success(request, "Classification validée : la liste des obligations est créée.")
        problem = services.propose_register_value(version, request.user)
        if problem:
            messages.warning(request, problem)
        elif version.result.get("register_value") is not None:
            messages.info(
                request,
                "La catégorie de risque de la fiche du registre a été mise à jour (ou proposée à la modération).",
            )
    return redirect("gouvernance:classification_version", pk=project.pk, number=number)


@require_POST
def obligation_update(request, pk, obligation_pk):
    project, _abilities = project_for(request, pk, "assess")
    obligation = get_object_or_404(Obligation, pk=obligation_pk, classification__project=project)
    try:
        services.update_obligation(
            obligation,
            request.user,
            owner=request.POST.get("owner", obligation.owner),
            due_on=request.POST.get("due_on", ""),
            done=bool(request.POST.get("done")),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(
            "gouvernance:classification_version",
            pk=project.pk,
            number=obligation.classification.number,
        )
    messages.success(request, "Obligation mise à jour.")
    return redirect(
        "gouvernance:classification_version", pk=project.pk, number=obligation.classification.number
    )


def trust(request, pk):
    project, _abilities = project_for(request, pk, "assess")
    latest = project.trust_assessments.order_by("-created_at").first()
    previous = latest.answers if latest else {}
    if request.method == "POST":
        raw = {
            item["id"]: {
                "answer": request.POST.get(f"{item['id']}-answer", ""),
                "evidence": request.POST.get(f"{item['id']}-evidence", ""),
                "comment": request.POST.get(f"{item['id']}-comment", ""),
            }
            for _req, item in services.trust_items()
        }
        saved = services.save_trust(project, raw, request.user)
        if saved.complete:
            messages.success(request, "Auto-évaluation enregistrée.")
        else:
            messages.warning(
                request,
                "Auto-évaluation enregistrée comme incomplète : certaines questions sont sans réponse.",
            )
        return redirect("gouvernance:project", pk=project.pk)
    scale = services.trust_rules()["scale"]
    groups = [
        (req, [(item, previous.get(item["id"], {})) for item in req["items"]])
        for req in services.trust_rules()["requirements"]
    ]
    return render(
        request, "gouvernance/trust.html", {"project": project, "groups": groups, "scale": scale}
    )


def frugality(request, pk):
    project, _abilities = project_for(request, pk, "assess")
    latest = project.frugality_assessments.order_by("-created_at").first()
    rules = services.frugality_rules()
    base = FrugalityAssessment(project=project, carbon_intensity=services.grid_carbon_intensity())
    if latest:  # a new assessment starts from the last one (comparison over time)
        for field in FrugalityAssessment._meta.concrete_fields:
            if field.name not in ("id", "project", "created_at", "updated_at", "created_by"):
                setattr(base, field.attname, getattr(latest, field.attname))
    form = FrugalityForm(request.POST or None, instance=base, practices=rules["practices"])
    if request.method == "POST" and form.is_valid():
        assessment = form.save(commit=False)
        assessment.pk = None
        assessment._state.adding = True
        assessment.created_by = request.user
        assessment.source = "saisie"
        assessment.save()
        messages.success(request, "Évaluation de frugalité enregistrée.")
        return redirect("gouvernance:project", pk=project.pk)
    return render(
        request, "gouvernance/frugality.html", {"project": project, "form": form, "rules": rules}
    )


def crpa(request, pk):
    project, _abilities = project_for(request, pk, "assess")
    notice = CrpaNotice.objects.filter(project=project).first() or CrpaNotice(
        project=project, purpose=project.usage_description
    )
    form = CrpaForm(request.POST or None, instance=notice)
    if request.method == "POST" and form.is_valid():
        saved = form.save(commit=False)
        saved.updated_by = request.user
        saved.save()
        messages.success(request, "Fiche de transparence CRPA enregistrée.")
        return redirect("gouvernance:crpa_texts", pk=project.pk)
    return render(request, "gouvernance/crpa.html", {"project": project, "form": form})


def crpa_texts(request, pk):
    """The generated texts: explicit mention, public rules page, individual-request template.

    Public for a published record that supports individual decisions (they are meant to be
    published); `?format=txt` downloads them as text."""
    project, abilities = project_for(request, pk)
    notice = CrpaNotice.objects.filter(project=project).first()
    if notice is None:
        raise Http404
    texts = {
        "mention": services.mention_explicite(project, notice),
        "rules": services.rules_page(project, notice),
        "template": services.individual_information_template(project, notice),
    }
    if request.GET.get("format") == "txt":
        body = "\n\n".join(
            [
                f"Mention explicite (article L311-3-1 du CRPA)\n\n{texts['mention']}",
                "Règles de l'algorithme (article L312-1-3 du CRPA)\n\n"
                + "\n".join(f"{label} : {value}" for label, value in texts["rules"]),
                f"Modèle de réponse à une demande individuelle (article R311-3-1-2 du CRPA)\n\n{texts['template']}",
            ]
        )
        response = HttpResponse(body, content_type="text/plain; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="crpa-{project.pk}.txt"'
        return response
    return render(
        request,
        "gouvernance/crpa_texts.html",
        {
            "project": project,
            "abilities": abilities,
            "notice": notice,
            "texts": texts,
            "applies": services.crpa_applies(project, notice),
            "missing": notice.missing(),
        },
    )
