"""Who sees what in the catalogue — the one place that decides it.

Every route (pages, API, exports, open data, search) takes the solutions, evaluations and
experiments through these functions, and their values through `solution_values`,
`experiment_values`. Restricted values (negotiated prices, provider contacts, internal
evaluations, budgets, journals, unpublished reports) reach only holders of
`catalogue.view_restricted` (catalogue/apps.py).
"""

from territoria.core.roles import has_capability

VIEW_RESTRICTED = "catalogue.view_restricted"
CONTRIBUTE = "catalogue.contribute"
CURATE = "catalogue.curate"

PUBLIC_SOLUTION_FIELDS = [
    "name",
    "description",
    "licence",
    "free_software",
    "hosting",
    "data_location",
    "secnumcloud",
    "open_formats",
    "reversibility",
    "ai_features",
    "domains",
    "business_software",
    "price_model",
    "energy",
    "documentation_url",
    "source_url",
    "source",
]
RESTRICTED_SOLUTION_FIELDS = ["negotiated_price"]


def can_view_restricted(user) -> bool:
    return has_capability(user, VIEW_RESTRICTED)


def can_contribute(user) -> bool:
    return has_capability(user, CONTRIBUTE)


def can_curate(user) -> bool:
    return has_capability(user, CURATE)


def visible_solutions(user, queryset=None):
    from territoria.catalogue.models import Solution

    queryset = Solution.objects.all() if queryset is None else queryset
    queryset = queryset.filter(merged_into__isnull=True)
    if can_curate(user):
        return queryset
    return queryset.filter(published=True)


def solution_values(solution, user) -> dict:
    names = PUBLIC_SOLUTION_FIELDS + (
        RESTRICTED_SOLUTION_FIELDS if can_view_restricted(user) else []
    )
    values = {name: getattr(solution, name) for name in names}
    values["id"] = str(solution.pk)
    values["competences"] = solution.competence_labels()  # derived from the public domains
    values["provider"] = solution.provider.name
    values["provider_siren"] = solution.provider.siren
    if can_view_restricted(user):
        values["provider_contact"] = solution.provider.contact
    return values


def visible_evaluations(user, queryset):
    """Public evaluations for everyone; internal ones for holders of view_restricted."""
    if can_view_restricted(user):
        return queryset
    return queryset.filter(public=True)


def visible_experiments(user, queryset=None):
    """Every experiment is listed publicly (title, solution, pilots, status): transparency."""
    from territoria.catalogue.models import Experiment

    return Experiment.objects.all() if queryset is None else queryset


def report_visible(experiment, user) -> bool:
    return experiment.report_public or can_view_restricted(user)


def experiment_values(experiment, user) -> dict:
    restricted = can_view_restricted(user)
    values = {
        "id": str(experiment.pk),
        "title": experiment.title,
        "need": experiment.need,
        "solution": experiment.solution.name,
        "solution_id": str(experiment.solution_id),
        "carrier": experiment.carrier.name,
        "pilots": [o.name for o in experiment.pilots.all()],
        "co_carriers": [o.name for o in experiment.co_carriers.all()],
        "status": experiment.status,
        "hypotheses": experiment.hypotheses,
        "duration_weeks": experiment.duration_weeks,
        "data": experiment.data,
        "legal_check": experiment.legal_check,
        "replicated_from": str(experiment.replicated_from_id or "") or None,
        "replications": experiment.replications.count(),
        "indicators": [
            {"name": i.name, "unit": i.unit, "baseline": i.baseline, "target": i.target}
            for i in experiment.indicators.all()
        ],
    }
    if restricted:
        values["budget"] = experiment.budget
    if report_visible(experiment, user):
        values["report"] = {
            "measured": {i.name: i.measured for i in experiment.indicators.all()},
            "costs": experiment.costs,
            "energy": experiment.energy,
            "feedback": experiment.feedback,
            "lessons": experiment.lessons,
            "decision": experiment.decision,
        }
    return values
