"""Reading pages: national dashboard, an organisation's observatory, a record's governance."""

from django.shortcuts import get_object_or_404, render

from territoria.core.models import Organisation
from territoria.gouvernance import stats
from territoria.gouvernance.forms import CitizenMessageForm, OpinionForm
from territoria.gouvernance.models import Charter, CitizenMessage, Classification
from territoria.gouvernance.permissions import (
    can_manage_organisation,
    public_trust_answers,
    visible_projects,
)
from territoria.gouvernance.radar import radar_svg
from territoria.gouvernance.services import (
    form_token,
    frugality_figures,
    frugality_rules,
    grid_carbon_intensity,
    platform_frugality,
    trust_items,
    trust_recommendations,
)
from territoria.gouvernance.views._shared import project_for
from territoria.registre.vocabulary import Lifecycle


def home_context(request) -> dict:
    published = visible_projects(None)
    return {
        "classified": Classification.objects.filter(
            status=Classification.Status.VALIDATED, project__in=published
        )
        .values("project")
        .distinct()
        .count(),
        "published": published.count(),
    }


def index(request):
    """The national dashboard: every published record."""
    figures = stats.dashboard(visible_projects(None))
    organisations = (
        Organisation.objects.filter(projects__lifecycle=Lifecycle.PUBLISHED)
        .distinct()
        .order_by("name")
    )
    return render(
        request,
        "gouvernance/index.html",
        {
            "figures": figures,
            "organisations": organisations,
            "platform": platform_frugality(),
            "grid": grid_carbon_intensity(),
        },
    )


def observatory(request, pk):
    """An organisation's public observatory: its AI systems, levels, assessments, opinions, questions."""
    organisation = get_object_or_404(Organisation, pk=pk)
    projects = visible_projects(None).filter(organisation=organisation)
    figures = stats.dashboard(projects)
    questions = (
        CitizenMessage.objects.filter(project__in=projects, status=CitizenMessage.Status.PUBLISHED)
        .select_related("project")
        .order_by("-created_at")
    )
    return render(
        request,
        "gouvernance/observatory.html",
        {
            "organisation": organisation,
            "figures": figures,
            "messages_public": questions[:50],
            "open_questions": [m for m in questions if not m.answer and m.kind == "question"],
            "charters": Charter.objects.filter(organisation=organisation),
            "criteria": organisation.ai_gate_criteria.all(),
            "committees": organisation.ai_committees.all(),
            "can_manage": can_manage_organisation(request.user, organisation),
        },
    )


def project_overview(request, pk):
    project, abilities = project_for(request, pk)
    summary = stats.record_summary(project)
    trust = summary["trust"]
    radar, trust_rows, advice = None, [], []
    if trust:
        titles = stats.requirement_titles()
        older = project.trust_assessments.exclude(pk=trust.pk).order_by("-created_at").first()
        radar = radar_svg(
            [(title, trust.scores.get(rid)) for rid, title in titles],
            previous=[older.scores.get(rid) for rid, _t in titles] if older else None,
        )
        answers = public_trust_answers(trust.answers, request.user, project)
        trust_rows = [(req, item, answers.get(item["id"], {})) for req, item in trust_items()]
        advice = trust_recommendations(trust.answers)
    history = project.classifications.order_by("-number")
    messages_public = project.citizen_messages.filter(status=CitizenMessage.Status.PUBLISHED)
    pending = (
        project.citizen_messages.filter(status=CitizenMessage.Status.PENDING)
        if abilities["answer"]
        else []
    )
    context = {
        "project": project,
        "abilities": abilities,
        "summary": summary,
        "history": history,
        "radar": radar,
        "trust_rows": trust_rows,
        "trust_history": project.trust_assessments.order_by("created_at"),
        "requirement_titles": stats.requirement_titles(),
        "advice": advice,
        "frugality": summary["frugality"],
        "frugality_figures": frugality_figures(summary["frugality"])
        if summary["frugality"]
        else None,
        "practice_labels": {p["id"]: p["label"] for p in frugality_rules()["practices"]},
        "opinions": project.committee_opinions.select_related("committee"),
        "messages_public": messages_public,
        "pending": pending,
        "supports": project.review_supports.count(),
    }
    if abilities["participate"]:
        context["message_form"] = CitizenMessageForm(initial={"jeton": form_token()})
    if abilities["committee"]:
        context["opinion_form"] = OpinionForm(organisation=project.organisation)
        context["criteria"] = project.organisation.ai_gate_criteria.all()
    return render(request, "gouvernance/project.html", context)
