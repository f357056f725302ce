"""The legal check of an experiment: the AI-Act classification of its register project, read
from the governance module through its public service (`gouvernance.services.
latest_classification`) when that module is installed; otherwise the check stays the
free-text statement of the protocol (`Experiment.legal_check`), and the page says so.

Readers see the latest *validated* classification; agents and elected members (who read the
restricted parts of the catalogue) also see a newer draft or proposal, marked as such.
"""

from __future__ import annotations

from django.apps import apps
from django.urls import NoReverseMatch, reverse

from territoria.catalogue.visibility import can_view_restricted
from territoria.registre.visibility import visible_projects

GOVERNANCE_APP = "territoria.gouvernance"
# Levels at which deploying needs more than a statement: the obligations of a high-risk system,
# or a practice the AI Act forbids.
BLOCKING_LEVELS = {"interdit"}
WARNING_LEVELS = {"haut_risque"}


def _latest_classification():
    """gouvernance.services.latest_classification, or None when the module is absent."""
    if not apps.is_installed(GOVERNANCE_APP):
        return None
    try:
        from territoria.gouvernance.services import latest_classification
    except ImportError:
        return None
    return latest_classification


def ai_act_check(experiment, user) -> dict:
    """What the experiment page says about the AI Act, for this reader."""
    latest = _latest_classification()
    if latest is None:
        return {
            "state": "no_module",
            "message": "Le module de gouvernance n'est pas installé : la vérification du "
            "règlement IA reste la déclaration du protocole ci-dessus.",
        }
    project = experiment.project
    if project is None or not visible_projects(user).filter(pk=project.pk).exists():
        return {
            "state": "no_project",
            "message": "Cette expérimentation n'est rattachée à aucun projet publié du registre : "
            "rattachez-la pour que sa classification au règlement IA soit vérifiée dans la "
            "gouvernance.",
        }
    check = {"state": "none", "project": project, "url": _url(project)}
    validated = latest(project, validated_only=True)
    newest = latest(project) if can_view_restricted(user) else validated
    if validated is None and newest is None:
        check["message"] = (
            "Aucune classification du règlement IA pour ce projet : à faire dans la gouvernance."
        )
        return check
    shown = validated or newest
    check.update(
        state="validated" if validated is not None else "pending",
        level=shown.level,
        level_label=shown.level_label or "Classification incomplète",
        number=shown.number,
        date=shown.reviewed_at or shown.created_at,
        status_label=shown.get_status_display(),
        blocking=shown.level in BLOCKING_LEVELS,
        warning=shown.level in WARNING_LEVELS,
    )
    if newest is not None and validated is not None and newest.number > validated.number:
        check["newer"] = {"number": newest.number, "status_label": newest.get_status_display()}
    return check


def deployment_problem(experiment) -> str | None:
    """Why the decision "deploy" cannot be recorded, or None. Only a validated classification
    at a forbidden level blocks; with no governance module nothing is checked here."""
    latest = _latest_classification()
    if latest is None or experiment.project is None:
        return None
    validated = latest(experiment.project, validated_only=True)
    if validated is not None and validated.level in BLOCKING_LEVELS:
        return (
            f"Déploiement impossible : la classification validée du projet au règlement IA "
            f"(version {validated.number}) relève d'une pratique interdite."
        )
    return None


def _url(project) -> str | None:
    try:
        return reverse("gouvernance:project", args=[project.pk])
    except NoReverseMatch:
        return None
