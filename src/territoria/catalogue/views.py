"""Pages of the catalogue: list, solution, grid, comparison, guide, experiments, ideas.

Every value goes through visibility.py; every write through services.py.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from territoria.catalogue import exports, grid, guide, legal, radar, services
from territoria.catalogue import vocabulary as voc
from territoria.catalogue.forms import (
    ExperimentForm,
    GuideForm,
    IdeaForm,
    JournalForm,
    ReportForm,
    SessionForm,
    SolutionForm,
)
from territoria.catalogue.models import (
    Experiment,
    Idea,
    IdeationSession,
    JournalEntry,
    RecordReplication,
    Solution,
    SolutionUse,
)
from territoria.catalogue.visibility import (
    can_contribute,
    can_curate,
    can_view_restricted,
    report_visible,
    solution_values,
    visible_evaluations,
    visible_experiments,
    visible_solutions,
)
from territoria.core.templatetags.french import compte
from territoria.registre.visibility import visible_projects
from territoria.registre.vocabulary import Lifecycle


def home_context(request) -> dict:
    return {
        "solutions": visible_solutions(request.user).count(),
        "experiments": Experiment.objects.count(),
    }


def _contributor(request):
    if not can_contribute(request.user):
        raise PermissionDenied
    return request.user


# --- Solutions -----------------------------------------------------------------------------


def index(request):
    solutions = visible_solutions(request.user).select_related("provider")
    query = request.GET.get("q", "").strip()
    feature = request.GET.get("fonction", "")
    hosting = request.GET.get("hebergement", "")
    free = request.GET.get("libre") == "1"
    if query:
        solutions = solutions.filter(
            Q(name__icontains=query)
            | Q(description__icontains=query)
            | Q(provider__name__icontains=query)
        )
    if hosting in voc.Hosting.values:
        solutions = solutions.filter(hosting=hosting)
    if free:
        solutions = solutions.filter(free_software=True)
    solutions = list(solutions.annotate(experiment_count=Count("experiments")))
    if feature:
        solutions = [s for s in solutions if feature in s.ai_features]
    return render(
        request,
        "catalogue/index.html",
        {
            "solutions": solutions,
            "query": query,
            "feature": feature,
            "hosting": hosting,
            "free": free,
            "features": voc.AI_FEATURES.choices,
            "hostings": voc.Hosting.choices,
            "curator": can_curate(request.user),
        },
    )


def solution_detail(request, pk):
    solution = get_object_or_404(visible_solutions(request.user).select_related("provider"), pk=pk)
    scores = services.reconciled(solution, request.user)
    weights = services.weights_for(getattr(request.user, "organisation", None))
    evaluations = visible_evaluations(
        request.user, solution.evaluations.select_related("evaluator", "organisation")
    ).prefetch_related("scores")
    project_ids = solution.uses.values_list("project_id", flat=True)
    projects = list(
        visible_projects(request.user)
        .filter(pk__in=project_ids)
        .select_related("organisation")
        .annotate(
            copies=Count(
                "catalogue_copies",
                filter=Q(catalogue_copies__project__in=visible_projects(request.user)),
            )
        )
    )
    notes = dict(
        solution.uses.filter(project__in=[p.pk for p in projects]).values_list("project_id", "note")
    )
    visible_ids = set(visible_projects(request.user).values_list("pk", flat=True))
    origins = {
        r.project_id: r.source
        for r in RecordReplication.objects.filter(
            project__in=[p.pk for p in projects]
        ).select_related("source", "source__organisation")
        if r.source_id in visible_ids
    }
    for project in projects:
        project.use_note = notes.get(project.pk, "")
        project.copied_from = origins.get(project.pk)
    own_projects = []
    if can_contribute(request.user) and request.user.organisation_id:
        own_projects = (
            visible_projects(request.user)
            .filter(organisation_id=request.user.organisation_id)
            .exclude(pk__in=project_ids)
        )
    experiments = solution.experiments.select_related("carrier").prefetch_related("pilots")
    return render(
        request,
        "catalogue/solution.html",
        {
            "solution": solution,
            "values": solution_values(solution, request.user),
            "insider": can_view_restricted(request.user),
            "contributor": can_contribute(request.user),
            "curator": can_curate(request.user),
            "criteria": [
                (c, scores.by_criterion.get(c.code), scores.spread.get(c.code), weights[c.code])
                for c in grid.CRITERIA
            ],
            "scores": scores,
            "total": scores.total(weights),
            "radar": radar.radar_svg(
                [(solution.name, scores.by_criterion)], f"Notes de {solution.name}"
            )
            if scores.by_criterion
            else None,
            "evaluations": evaluations,
            "projects": projects,
            "own_projects": own_projects,
            "experiments": experiments,
            "counts": services.replication_counts(solution, request.user),
            "user_organisation": getattr(request.user, "organisation_id", None),
            "territory": services.territory_competences(request.user.organisation, solution.domains)
            if getattr(request.user, "organisation", None) and can_view_restricted(request.user)
            else None,
        },
    )


@login_required
def solution_edit(request, pk=None):
    """Curators create or edit a solution (then score it on the grid: `evaluate`)."""
    if not can_curate(request.user):
        raise PermissionDenied
    solution = get_object_or_404(Solution.objects.select_related("provider"), pk=pk) if pk else None
    form = SolutionForm(request.POST or None, instance=solution)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.save_solution(
                request.user,
                form.values(),
                provider=form.cleaned_data["provider"],
                new_provider=form.new_provider(),
                instance=solution,
                homonym=form.cleaned_data["homonym"],
            )
        except ValidationError as error:
            for field, problems in error.message_dict.items():
                target = field if field in form.fields else None
                if field in ("siren", "country", "size"):
                    target = f"provider_{field}"
                for problem in problems:
                    form.add_error(target if target in form.fields else None, problem)
        else:
            if solution is None:
                messages.success(
                    request,
                    f"« {saved.name} » est au catalogue : notez-la maintenant sur la grille.",
                )
                return redirect("catalogue:evaluate", pk=saved.pk)
            messages.success(request, f"Fiche « {saved.name} » modifiée.")
            return redirect(saved)
    return render(
        request,
        "catalogue/solution_form.html",
        {"form": form, "solution": solution},
        status=400 if form.errors else 200,
    )


@login_required
def duplicates(request):
    """Curators see the probable duplicates (same folded name) and merge them on request."""
    if not can_curate(request.user):
        raise PermissionDenied
    error = None
    if request.method == "POST":
        keep = Solution.objects.filter(
            pk__in=_uuids([request.POST.get("keep", "")]), merged_into__isnull=True
        ).first()
        others = list(
            Solution.objects.filter(
                pk__in=_uuids(request.POST.getlist("other")), merged_into__isnull=True
            ).exclude(pk=getattr(keep, "pk", None))
        )
        if keep is None:
            error = "Choisissez la fiche à garder."
        elif not others:
            error = "Cochez au moins une fiche à fusionner dans la fiche gardée."
        else:
            try:
                with transaction.atomic():
                    for other in others:
                        services.merge(keep, other, request.user)
            except ValidationError as problem:
                error = problem.messages[0]
            else:
                messages.success(
                    request,
                    f"{len(others)} fiche{'s' if len(others) > 1 else ''} fusionnée"
                    f"{'s' if len(others) > 1 else ''} dans « {keep.name} » "
                    f"({keep.provider.name}).",
                )
                return redirect(keep)
    ids = [s.pk for group in services.duplicate_groups() for s in group]
    annotated = {
        s.pk: s
        for s in Solution.objects.filter(pk__in=ids)
        .select_related("provider")
        .annotate(
            evaluation_count=Count("evaluations", distinct=True),
            experiment_count=Count("experiments", distinct=True),
        )
    }
    groups = [
        sorted(
            (annotated[s.pk] for s in group),
            key=lambda s: (-s.evaluation_count - s.experiment_count, s.created_at),
        )
        for group in services.duplicate_groups()
    ]
    return render(
        request,
        "catalogue/duplicates.html",
        {"groups": groups, "error": error},
        status=400 if error else 200,
    )


@require_POST
@login_required
def link_project(request, pk):
    user = _contributor(request)
    solution = get_object_or_404(visible_solutions(user), pk=pk)
    project = get_object_or_404(
        visible_projects(user).filter(organisation_id=user.organisation_id),
        pk=request.POST.get("project"),
    )
    SolutionUse.objects.get_or_create(
        solution=solution, project=project, defaults={"note": request.POST.get("note", "")[:2000]}
    )
    messages.success(request, f"« {project} » utilise désormais « {solution} ».")
    return redirect(solution)


@login_required
def evaluate(request, pk):
    user = _contributor(request)
    solution = get_object_or_404(visible_solutions(user), pk=pk)
    existing = solution.evaluations.filter(evaluator=user).prefetch_related("scores").first()
    previous = {f"{s.criterion}.{s.question}": s for s in existing.scores.all()} if existing else {}
    error = None
    if request.method == "POST":
        answers = {
            key: (request.POST.get(f"score-{key}", ""), request.POST.get(f"evidence-{key}", ""))
            for key in grid.QUESTIONS
        }
        try:
            services.save_evaluation(
                solution,
                user,
                answers,
                public=request.POST.get("public") == "1",
                comment=request.POST.get("comment", "")[:5000],
            )
        except grid.GridError as problem:
            error = str(problem).split("\n")
            previous = {}
            posted = answers
        else:
            messages.success(request, "Votre évaluation est enregistrée.")
            return redirect(solution)
    else:
        posted = {k: (str(s.score), s.evidence) for k, s in previous.items()}
    criteria = [
        (
            criterion,
            [
                (
                    f"{criterion.code}.{q.code}",
                    q,
                    posted.get(f"{criterion.code}.{q.code}", ("", ""))[0],
                    posted.get(f"{criterion.code}.{q.code}", ("", ""))[1],
                )
                for q in criterion.questions
            ],
        )
        for criterion in grid.CRITERIA
    ]
    return render(
        request,
        "catalogue/evaluate.html",
        {
            "solution": solution,
            "criteria": criteria,
            "scale": grid.SCALE.items(),
            "errors": error,
            "public": existing.public if existing else False,
            "comment": existing.comment if existing else "",
        },
        status=400 if error else 200,
    )


def compare(request):
    ids = request.GET.getlist("ids")
    solutions = list(
        visible_solutions(request.user).filter(pk__in=_uuids(ids)).select_related("provider")
    )
    try:
        rows = services.compare(solutions, request.user)
    except ValidationError as error:
        return render(
            request, "catalogue/compare.html", {"error": error.messages[0], "rows": []}, status=400
        )
    weights = services.weights_for(getattr(request.user, "organisation", None))
    export = request.GET.get("format")
    if export == "csv":
        response = HttpResponse(
            exports.comparison_csv(rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="comparaison-solutions-ia.csv"'
        return response
    if export == "odt":
        response = HttpResponse(
            exports.comparison_odt(rows, weights),
            content_type="application/vnd.oasis.opendocument.text",
        )
        response["Content-Disposition"] = 'attachment; filename="comparaison-solutions-ia.odt"'
        return response
    if export == "pdf":
        response = HttpResponse(
            exports.comparison_pdf(rows, weights), content_type="application/pdf"
        )
        response["Content-Disposition"] = 'attachment; filename="comparaison-solutions-ia.pdf"'
        return response
    header, lines = exports.comparison_table(rows)
    names = [row.solution.name for row in rows]
    query = "&".join(f"ids={row.solution.pk}" for row in rows)
    return render(
        request,
        "catalogue/compare.html",
        {
            "rows": rows,
            "header": header,
            "lines": lines,
            "radar": radar.radar_svg(
                [(row.solution.name, row.scores.by_criterion) for row in rows],
                "Comparaison des notes par critère : " + ", ".join(names),
            ),
            "legend": radar.legend(names),
            "query": query,
            "weights": [(c.label, weights[c.code]) for c in grid.CRITERIA],
        },
    )


def _uuids(values):
    import uuid

    out = []
    for value in values:
        try:
            out.append(uuid.UUID(value))
        except (ValueError, TypeError):
            continue
    return out


def choice_guide(request):
    form = GuideForm(request.GET or None)
    proposals = exclusions = elsewhere = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        need = guide.Need(
            text=data["text"],
            domain=data["domain"],
            sensitivity=data["sensitivity"],
            budget=data["budget"],
            skills=data["skills"],
            on_premise_only=data["on_premise_only"],
            features=data["features"],
        )
        solutions = list(visible_solutions(request.user).select_related("provider"))
        weights = services.weights_for(getattr(request.user, "organisation", None))
        totals = services.grid_totals(solutions, request.user, weights)
        proposals, exclusions = guide.recommend(need, solutions, grid_totals=totals, limit=3)
        organisation = getattr(request.user, "organisation", None)
        if data["domain"] and organisation is not None and can_view_restricted(request.user):
            competence = services.territory_competences(organisation, [data["domain"]])
            if competence and competence[0].holding in (
                voc.Holding.TRANSFERRED,
                voc.Holding.NOT_HELD,
            ):
                elsewhere = competence[0]
    compare_query = "&".join(f"ids={p.solution.pk}" for p in proposals or [])
    return render(
        request,
        "catalogue/guide.html",
        {
            "form": form,
            "proposals": proposals,
            "exclusions": exclusions,
            "compare_query": compare_query,
            "elsewhere": elsewhere,
        },
    )


@login_required
def territory(request):
    """The competences as they stand in the reader's territory; its agents correct them."""
    user = request.user
    organisation = getattr(user, "organisation", None)
    if organisation is None or not can_view_restricted(user):
        raise PermissionDenied
    editable = can_contribute(user)
    errors = []
    rows = services.territory_competences(organisation)
    if request.method == "POST":
        if not editable:
            raise PermissionDenied
        answers = {
            row.domain: (
                request.POST.get(f"holding-{row.domain}", ""),
                request.POST.get(f"to-{row.domain}", ""),
            )
            for row in rows
        }
        try:
            services.set_territory_competences(organisation, user, answers)
        except ValidationError as error:
            errors = error.messages
            for row in rows:
                row.holding, row.to = answers[row.domain][0] or row.holding, answers[row.domain][1]
        else:
            messages.success(request, "Les compétences de votre collectivité sont enregistrées.")
            return redirect("catalogue:territory")
    return render(
        request,
        "catalogue/territory.html",
        {
            "organisation": organisation,
            "rows": rows,
            "holdings": voc.Holding.choices,
            "editable": editable,
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@login_required
def weights(request):
    user = _contributor(request)
    if not user.organisation_id:
        raise PermissionDenied
    current = services.weights_for(user.organisation)
    error = None
    if request.method == "POST":
        try:
            current = services.set_weights(
                user.organisation,
                {c.code: request.POST.get(c.code, "") for c in grid.CRITERIA},
                user,
            )
            messages.success(request, "Les poids de votre collectivité sont enregistrés.")
            return redirect("catalogue:weights")
        except grid.GridError as problem:
            error = str(problem)
    return render(
        request,
        "catalogue/weights.html",
        {
            "criteria": [(c, current[c.code]) for c in grid.CRITERIA],
            "error": error,
            "max_weight": grid.MAX_WEIGHT,
        },
        status=400 if error else 200,
    )


def export_catalogue(request, fmt):
    if fmt not in ("csv", "json"):
        raise Http404
    if fmt == "csv":
        response = HttpResponse(
            exports.catalogue_csv(request.user), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="catalogue-solutions-ia.csv"'
        return response
    rows = [
        solution_values(s, request.user)
        for s in visible_solutions(request.user).select_related("provider")
    ]
    return HttpResponse(
        json.dumps(rows, ensure_ascii=False, indent=1),
        content_type="application/json; charset=utf-8",
    )


# --- Experiments ---------------------------------------------------------------------------


def export_experiments(request, fmt):
    """Every experiment, as this user may read it (visibility.experiment_values)."""
    if fmt == "csv":
        response = HttpResponse(
            exports.experiments_csv(request.user), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="experimentations-ia.csv"'
        return response
    if fmt != "json":
        raise Http404
    return HttpResponse(
        json.dumps(exports.experiment_rows(request.user), ensure_ascii=False, indent=1),
        content_type="application/json; charset=utf-8",
    )


def experiments(request):
    items = (
        visible_experiments(request.user)
        .select_related("solution", "carrier")
        .prefetch_related("pilots")
        .annotate(replication_count=Count("replications"))
    )
    return render(
        request,
        "catalogue/experiments.html",
        {"experiments": items, "contributor": can_contribute(request.user)},
    )


def experiment_detail(request, pk):
    experiment = get_object_or_404(
        visible_experiments(request.user).select_related("solution", "carrier", "replicated_from"),
        pk=pk,
    )
    user = request.user
    may_edit = services.may_edit_experiment(experiment, user)
    may_replicate = bool(
        can_contribute(user)
        and user.organisation_id
        and user.organisation_id != experiment.carrier_id
    )
    refusal = services.replication_refusal(experiment)
    project = (
        visible_projects(user)
        .filter(pk=experiment.project_id, lifecycle=Lifecycle.PUBLISHED)
        .select_related("organisation")
        .first()
        if experiment.project_id
        else None
    )
    return render(
        request,
        "catalogue/experiment.html",
        {
            "experiment": experiment,
            "insider": can_view_restricted(user),
            "report_visible": report_visible(experiment, user),
            "may_edit": may_edit,
            "may_replicate": may_replicate and not refusal,
            "replication_refusal": refusal if may_replicate else None,
            "project": project,
            "may_copy_record": bool(
                project and may_replicate and project.organisation_id != user.organisation_id
            ),
            "indicators": experiment.indicators.all(),
            "journal": experiment.journal.select_related("author")
            if can_view_restricted(user)
            else [],
            "journal_form": JournalForm() if may_edit else None,
            "replications": list(experiment.replications.select_related("carrier")),
            "record_copies": RecordReplication.objects.filter(
                source=project, project__in=visible_projects(user)
            ).count()
            if project
            else 0,
            "ai_act": legal.ai_act_check(experiment, user),
            "history": status_history(experiment),
        },
    )


def status_history(experiment) -> list[dict]:
    """The experiment's path through the pipeline, read from the platform's audit log."""
    from territoria.core.models import AuditLog

    labels = dict(voc.Status.choices)
    steps = []
    for entry in AuditLog.objects.filter(
        object_type="catalogue.experiment", object_id=str(experiment.pk)
    ).order_by("at", "id"):
        change = (entry.changes or {}).get("status")
        if entry.action == AuditLog.Action.CREATE:
            status = change[1] if change else experiment.status
            steps.append(
                {
                    "at": entry.at,
                    "before": None,
                    "after": labels.get(status, status),
                    "actor": entry.actor_label,
                }
            )
        elif change and change[0] != change[1]:
            steps.append(
                {
                    "at": entry.at,
                    "before": labels.get(change[0], change[0]),
                    "after": labels.get(change[1], change[1]),
                    "actor": entry.actor_label,
                }
            )
    return steps


@login_required
def experiment_new(request):
    user = _contributor(request)
    if not user.organisation_id:
        raise PermissionDenied
    initial = {}
    if request.GET.get("solution"):
        initial["solution"] = request.GET["solution"]
    idea = None
    if request.GET.get("idee"):
        idea = Idea.objects.filter(
            pk__in=_uuids([request.GET["idee"]]), organisation=user.organisation
        ).first()
        if idea:
            initial.update(need=idea.need, title=idea.service)
    form = ExperimentForm(
        request.POST or None,
        initial=initial,
        projects=visible_projects(user).filter(organisation_id=user.organisation_id),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            experiment = services.start_experiment(
                user,
                solution=data["solution"],
                title=data["title"],
                need=data["need"],
                hypotheses=data["hypotheses"],
                duration_weeks=data["duration_weeks"],
                indicators=data["indicators"],
                pilots=data["pilots"],
                co_carriers=data["co_carriers"],
                data=data["data"],
                legal_check=data["legal_check"],
                budget=data["budget"],
                idea=idea,
                project=data["project"],
            )
        except ValidationError as error:
            form.add_error("indicators", error.messages)
        else:
            messages.success(request, "L'expérimentation est lancée.")
            return redirect(experiment)
    return render(
        request,
        "catalogue/experiment_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@login_required
def experiment_report(request, pk):
    experiment = get_object_or_404(Experiment, pk=pk)
    if not services.may_edit_experiment(experiment, request.user):
        raise PermissionDenied
    indicators = list(experiment.indicators.all())
    form = ReportForm(request.POST or None, indicators=indicators)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_report(
                experiment,
                request.user,
                measured=form.measured(),
                costs=data["costs"],
                energy=data["energy"],
                feedback=data["feedback"],
                lessons=data["lessons"],
                decision=data["decision"],
                public=data["public"],
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, "Le rapport d'évaluation est enregistré.")
            return redirect(experiment)
    return render(
        request,
        "catalogue/report_form.html",
        {"form": form, "experiment": experiment},
        status=400 if form.errors else 200,
    )


@require_POST
@login_required
def experiment_replicate(request, pk):
    user = _contributor(request)
    source = get_object_or_404(Experiment, pk=pk)
    try:
        copy = services.replicate(source, user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect(source)
    messages.success(
        request,
        "Votre expérimentation est créée à partir de celle-ci : vérifiez le protocole, "
        "mesurez vos valeurs de départ et faites votre vérification juridique.",
    )
    return redirect(copy)


@require_POST
@login_required
def record_replicate(request, pk):
    """ "Reproduire ce projet" for a register record: a pre-filled draft of the user's
    collectivité, linked back; then the register's own edit page to complete it."""
    user = _contributor(request)
    source = get_object_or_404(visible_projects(user), pk=pk)
    solution = (
        visible_solutions(user).filter(pk__in=_uuids([request.POST.get("solution", "")])).first()
    )
    experiment = (
        visible_experiments(user)
        .filter(pk__in=_uuids([request.POST.get("experimentation", "")]), project=source)
        .first()
    )
    if solution is None and experiment is not None:
        solution = experiment.solution
    back = solution or experiment
    try:
        copy, created = services.replicate_record(
            source, user, solution=solution, experiment=experiment
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect(back or reverse("catalogue:index"))
    if created:
        messages.success(
            request,
            f"Un brouillon « {copy.nom_projet} » est créé pour votre collectivité à partir du "
            "projet reproduit : complétez-le (contact, dates, analyse des risques) puis "
            "soumettez-le.",
        )
    else:
        messages.info(request, "Votre collectivité a déjà reproduit ce projet : voici sa fiche.")
    return redirect("registre:edit", pk=copy.pk)


@require_POST
@login_required
def experiment_journal(request, pk):
    experiment = get_object_or_404(Experiment, pk=pk)
    if not services.may_edit_experiment(experiment, request.user):
        raise PermissionDenied
    form = JournalForm(request.POST)
    if form.is_valid():
        JournalEntry.objects.create(
            experiment=experiment, author=request.user, text=form.cleaned_data["text"]
        )
    return redirect(experiment)


# --- Ideas (internal: agents and élus) -----------------------------------------------------


def _ideas_reader(request):
    if not can_view_restricted(request.user):
        raise PermissionDenied


def _idea_rows(items, user):
    """Ideas with their votes, whether the reader voted, may vote and may triage."""
    rows = list(
        items.select_related("organisation", "session")
        .annotate(votes=Count("voters", distinct=True))
        .order_by("-votes", "-created_at")
    )
    voted = set(
        Idea.voters.through.objects.filter(
            user_id=user.pk, idea_id__in=[i.pk for i in rows]
        ).values_list("idea_id", flat=True)
    )
    joined = set(user.catalogue_sessions.values_list("pk", flat=True)) if user.pk else set()
    for idea in rows:
        idea.voted = idea.pk in voted
        idea.may_vote = can_contribute(user) and (
            idea.session_id is None or (idea.session.open and idea.session_id in joined)
        )
        idea.may_triage = services.may_triage(idea, user)
        idea.next_statuses = [
            (code, voc.Status(code).label)
            for code in voc.Status.values
            if code == idea.status or code in voc.TRANSITIONS[voc.Status(idea.status)]
        ]
    return rows


@login_required
def ideas(request):
    _ideas_reader(request)
    user = request.user
    open_joined = IdeationSession.objects.filter(open=True, participants=user)
    form = None
    if can_contribute(user):
        form = IdeaForm(request.POST or None, sessions=open_joined)
    if request.method == "POST":
        _contributor(request)
        if form.is_valid():
            data = dict(form.cleaned_data)
            session = data.pop("session")
            try:
                services.propose_idea(user, session, data)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, "Votre idée est enregistrée.")
                return redirect("catalogue:ideas")
    items = Idea.objects.all()
    session_id = request.GET.get("session", "").strip()
    status = request.GET.get("etat", "")
    session = None
    if session_id:
        session = IdeationSession.objects.filter(pk__in=_uuids([session_id])).first()
        items = items.filter(session=session) if session else items.none()
    if status in voc.Status.values:
        items = items.filter(status=status)
    sessions = (
        IdeationSession.objects.select_related("organisation")
        .annotate(count=Count("ideas", distinct=True), people=Count("participants", distinct=True))
        .order_by("-date", "title")
    )
    return render(
        request,
        "catalogue/ideas.html",
        {
            "ideas": _idea_rows(items, user),
            "form": form,
            "statuses": voc.Status.choices,
            "sessions": sessions,
            "session": session,
            "session_id": session_id,
            "status": status,
        },
    )


@login_required
def session_new(request):
    user = _contributor(request)
    if not user.organisation_id:
        raise PermissionDenied
    form = SessionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        session = services.create_session(user, **form.cleaned_data)
        messages.success(request, "La session est créée : invitez les agents à la rejoindre.")
        return redirect(session)
    return render(request, "catalogue/session_new.html", {"form": form})


@login_required
def session_detail(request, pk):
    _ideas_reader(request)
    user = request.user
    session = get_object_or_404(
        IdeationSession.objects.select_related("organisation", "facilitator"), pk=pk
    )
    participant = services.is_participant(session, user)
    form = None
    if can_contribute(user) and participant and session.open:
        form = IdeaForm(request.POST or None)
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "rejoindre":
                services.join_session(session, _contributor(request))
                messages.success(request, "Vous participez à la session.")
            elif action == "quitter":
                services.join_session(session, _contributor(request), leave=True)
                messages.success(request, "Vous ne participez plus à la session.")
            elif action in ("fermer", "rouvrir"):
                services.close_session(session, user, open_=action == "rouvrir")
                messages.success(
                    request, "La session est close." if action == "fermer" else "Session rouverte."
                )
            elif action == "trier":
                ideas = {i.pk: i for i in session.ideas.all()}
                changes = {
                    idea: request.POST[f"etat-{idea.pk}"]
                    for idea in ideas.values()
                    if f"etat-{idea.pk}" in request.POST
                }
                moved = services.triage(user, changes)
                messages.success(request, f"Tri enregistré : {compte(len(moved), 'idée|f')}.")
            elif action == "proposer" and form is not None:
                if not form.is_valid():
                    raise ValidationError("Complétez les champs signalés de l'idée.")
                services.propose_idea(user, session, form.cleaned_data)
                messages.success(request, "Votre idée est enregistrée.")
            else:
                raise PermissionDenied
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            return redirect(session)
    rows = _idea_rows(session.ideas.all(), user)
    return render(
        request,
        "catalogue/session.html",
        {
            "session": session,
            "ideas": rows,
            "participants": session.participants.select_related("organisation").order_by(
                "last_name", "username"
            ),
            "participant": participant,
            "host": services.may_host(session, user),
            "may_triage": any(i.may_triage for i in rows),
            "contributor": can_contribute(user),
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@login_required
def idea_vote(request, pk):
    idea = get_object_or_404(Idea.objects.select_related("session"), pk=pk)
    try:
        services.toggle_vote(idea, request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    back = request.POST.get("retour", "")
    if idea.session_id and back == "session":
        return redirect(idea.session)
    return redirect("catalogue:ideas")


@require_POST
@login_required
def idea_status(request, pk):
    idea = get_object_or_404(Idea.objects.select_related("session"), pk=pk)
    new = request.POST.get("status", "")
    if new not in voc.Status.values:
        raise Http404
    try:
        services.triage(request.user, {idea: new})
    except ValidationError as error:
        messages.error(request, error.messages[0].split(" : ", 1)[-1])
    return redirect(reverse("catalogue:ideas"))


# --- Import (curators), as a background job -------------------------------------------------

MAX_IMPORT_BYTES = 5 * 1024 * 1024


@login_required
def import_start(request):
    if not can_curate(request.user):
        raise PermissionDenied
    error = None
    if request.method == "POST":
        upload = request.FILES.get("fichier")
        if upload is None:
            error = "Choisissez un fichier CSV ou XLSX."
        elif not upload.name.lower().endswith((".csv", ".xlsx")):
            error = f"« {upload.name} » : seuls les fichiers .csv et .xlsx sont acceptés."
        elif upload.size > MAX_IMPORT_BYTES:
            error = "Le fichier dépasse 5 Mo."
        else:
            from territoria.catalogue.models import ImportRun
            from territoria.catalogue.tasks import import_catalogue_task

            run = ImportRun.objects.create(
                file_name=upload.name, content=upload.read(), requested_by=request.user
            )
            import_catalogue_task.enqueue(str(run.pk))
            return redirect("catalogue:import_run", pk=run.pk)
    return render(request, "catalogue/import.html", {"error": error}, status=400 if error else 200)


@login_required
def import_run(request, pk):
    from territoria.catalogue.models import ImportRun

    if not can_curate(request.user):
        raise PermissionDenied
    run = get_object_or_404(ImportRun, pk=pk)
    context = {"run": run, "percent": round(100 * run.progress)}
    if request.headers.get("HX-Request"):
        return render(request, "catalogue/_import_status.html", context)
    return render(request, "catalogue/import_run.html", context)
