"""What people do with the catalogue: score on the grid, compare, run and evaluate experiments,
replicate them, merge duplicates. Every write goes through here (pages, API and CLI alike)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from territoria.catalogue import grid
from territoria.catalogue import vocabulary as voc
from territoria.catalogue.models import (
    Evaluation,
    Experiment,
    GridWeights,
    Idea,
    IdeationSession,
    Indicator,
    Provider,
    RecordReplication,
    Score,
    Solution,
    SolutionUse,
    TerritoryCompetences,
)
from territoria.catalogue.visibility import (
    can_contribute,
    can_curate,
    visible_evaluations,
)
from territoria.core.audit import acting_as
from territoria.registre.vocabulary import fold

# --- The grid ------------------------------------------------------------------------------


def save_evaluation(solution, user, answers: dict, *, public=False, comment="") -> Evaluation:
    """Record (or replace) `user`'s grid for `solution`. answers: {"criterion.question": (score,
    evidence)}. Every answer is checked; GridError lists them all and nothing is written."""
    if not can_contribute(user):
        raise PermissionDenied("Seuls les agents peuvent évaluer une solution.")
    problems, checked = [], {}
    for key, (score, evidence) in answers.items():
        if score in (None, ""):
            continue
        try:
            checked[key] = (grid.check_answer(key, score, evidence), (evidence or "").strip())
        except grid.GridError as error:
            problems.append(str(error))
    if not checked and not problems:
        problems.append("aucune question n'a reçu de note")
    if problems:
        raise grid.GridError("\n".join(problems))
    with transaction.atomic(), acting_as(user):
        evaluation, _ = Evaluation.objects.update_or_create(
            solution=solution,
            evaluator=user,
            defaults={"organisation": user.organisation, "public": public, "comment": comment},
        )
        evaluation.scores.all().delete()
        Score.objects.bulk_create(
            Score(
                evaluation=evaluation,
                criterion=key.split(".")[0],
                question=key.split(".")[1],
                score=value,
                evidence=evidence,
            )
            for key, (value, evidence) in checked.items()
        )
    return evaluation


def weights_for(organisation) -> dict[str, int]:
    if organisation is None:
        return dict(grid.DEFAULT_WEIGHTS)
    found = GridWeights.objects.filter(organisation=organisation).first()
    return grid.check_weights(found.weights) if found else dict(grid.DEFAULT_WEIGHTS)


def set_weights(organisation, weights: dict, user) -> dict[str, int]:
    clean = grid.check_weights(weights)
    with acting_as(user):
        GridWeights.objects.update_or_create(organisation=organisation, defaults={"weights": clean})
    return clean


def reconciled(solution, user) -> grid.Reconciled:
    """The evaluators' scores this user may see, reconciled criterion by criterion."""
    evaluations = visible_evaluations(user, solution.evaluations.prefetch_related("scores"))
    return grid.reconcile([grid.criterion_scores(e.answers()) for e in evaluations])


def grid_totals(solutions, user, weights: dict) -> dict:
    """{solution pk: weighted total} for many solutions in two queries (the guide's tie-breaker)."""
    evaluations = visible_evaluations(
        user, Evaluation.objects.filter(solution__in=solutions)
    ).prefetch_related("scores")
    per_solution = defaultdict(list)
    for evaluation in evaluations:
        per_solution[evaluation.solution_id].append(grid.criterion_scores(evaluation.answers()))
    totals = {}
    for pk, scores in per_solution.items():
        total = grid.reconcile(scores).total(weights)
        if total is not None:
            totals[pk] = total
    return totals


@dataclass
class ComparisonRow:
    solution: Solution
    scores: grid.Reconciled
    total: float | None


def compare(solutions, user) -> list[ComparisonRow]:
    if not 2 <= len(solutions) <= 5:
        raise ValidationError("Choisissez de 2 à 5 solutions à comparer.")
    weights = weights_for(getattr(user, "organisation", None))
    rows = []
    for solution in solutions:
        scores = reconciled(solution, user)
        rows.append(ComparisonRow(solution, scores, scores.total(weights)))
    return rows


# --- Experiments ---------------------------------------------------------------------------


def check_transition(current: str, new: str) -> None:
    if new not in voc.TRANSITIONS[voc.Status(current)]:
        raise ValidationError(
            f"Passage impossible de « {voc.Status(current).label} » à « {voc.Status(new).label} »."
        )


def may_edit_experiment(experiment, user) -> bool:
    if can_curate(user):
        return True
    if not can_contribute(user) or not user.organisation_id:
        return False
    return (
        user.organisation_id == experiment.carrier_id
        or experiment.co_carriers.filter(pk=user.organisation_id).exists()
    )


def start_experiment(
    user,
    *,
    solution,
    title,
    need,
    hypotheses,
    duration_weeks,
    indicators,
    pilots=(),
    co_carriers=(),
    data="",
    legal_check="",
    budget="",
    idea=None,
    replicated_from=None,
    project=None,
) -> Experiment:
    """indicators: [(name, unit, baseline, target)], decided BEFORE the experiment starts."""
    if not can_contribute(user) or not user.organisation_id:
        raise PermissionDenied(
            "Seul un agent rattaché à une collectivité peut lancer une expérimentation."
        )
    problems = []
    if not indicators:
        problems.append("au moins un indicateur de réussite, avec sa valeur de départ et sa cible")
    for name, _unit, baseline, target in indicators:
        if baseline is None:
            problems.append(f"indicateur « {name} » : la valeur de départ (situation avant) manque")
        if target is None:
            problems.append(f"indicateur « {name} » : la cible manque")
        if baseline is not None and target is not None and baseline == target:
            problems.append(
                f"indicateur « {name} » : la cible doit différer de la valeur de départ"
            )
    if project is not None and project.organisation_id != user.organisation_id:
        problems.append("le projet du registre doit être un projet de votre collectivité")
    if problems:
        raise ValidationError(problems)
    with transaction.atomic(), acting_as(user):
        experiment = Experiment.objects.create(
            project=project,
            title=title,
            need=need,
            solution=solution,
            carrier=user.organisation,
            hypotheses=hypotheses,
            duration_weeks=duration_weeks,
            data=data,
            legal_check=legal_check,
            budget=budget,
            idea=idea,
            replicated_from=replicated_from,
        )
        experiment.pilots.set(pilots)
        experiment.co_carriers.set(co_carriers)
        Indicator.objects.bulk_create(
            Indicator(experiment=experiment, name=n, unit=u, baseline=b, target=t)
            for n, u, b, t in indicators
        )
        if idea is not None and idea.status in (voc.Status.IDEA, voc.Status.QUALIFIED):
            idea.status = voc.Status.EXPERIMENT
            idea.save()
    return experiment


def record_report(
    experiment,
    user,
    *,
    measured: dict,
    costs="",
    energy="",
    feedback="",
    lessons="",
    decision,
    public=False,
) -> Experiment:
    """The evaluation report: every indicator measured, a decision; the status follows."""
    if not may_edit_experiment(experiment, user):
        raise PermissionDenied("Seuls les porteurs de l'expérimentation peuvent l'évaluer.")
    indicators = list(experiment.indicators.all())
    problems = [
        f"indicateur « {i.name} » : la valeur mesurée manque"
        for i in indicators
        if measured.get(i.name) in (None, "")
    ]
    if decision not in voc.Decision.values:
        problems.append("la décision (arrêter, itérer, déployer) manque")
    elif decision == voc.Decision.DEPLOY:
        from territoria.catalogue.legal import deployment_problem

        blocked = deployment_problem(experiment)
        if blocked:
            problems.append(blocked)
    if problems:
        raise ValidationError(problems)
    new_status = {
        voc.Decision.STOP: voc.Status.ABANDONED,
        voc.Decision.ITERATE: voc.Status.EVALUATED,
        voc.Decision.DEPLOY: voc.Status.DEPLOYED,
    }[voc.Decision(decision)]
    with transaction.atomic(), acting_as(user):
        for indicator in indicators:
            indicator.measured = float(measured[indicator.name])
            indicator.save()
        if experiment.status == voc.Status.EXPERIMENT:
            experiment.status = voc.Status.EVALUATED
        if new_status != experiment.status:
            check_transition(experiment.status, new_status)
            experiment.status = new_status
        experiment.costs, experiment.energy = costs, energy
        experiment.feedback, experiment.lessons = feedback, lessons
        experiment.decision, experiment.report_public = decision, public
        experiment.save()
    return experiment


# Evaluation comes before spreading (seed 004, proposition 3): only an experiment whose
# evaluation report concluded "déployer" or "itérer" can be reproduced elsewhere.
REPLICABLE_DECISIONS = (voc.Decision.DEPLOY, voc.Decision.ITERATE)


def replication_refusal(experiment) -> str | None:
    """Why this experiment cannot be reproduced yet (None: it can)."""
    if not experiment.decision:
        return (
            "Cette expérimentation n'est pas encore évaluée : elle pourra être reproduite "
            "quand son rapport d'évaluation aura conclu « déployer » ou « itérer »."
        )
    if experiment.decision not in REPLICABLE_DECISIONS:
        return (
            "Cette expérimentation a été arrêtée après son évaluation : elle ne se reproduit "
            "pas. Lisez ses enseignements avant de lancer la vôtre."
        )
    return None


def replicate(experiment, user) -> Experiment:
    """ "Reproduire ce projet": the user's collectivité starts its own experiment, pre-filled,
    with the same indicators (baselines to be measured again: the source's are kept as a start).
    Only from an experiment evaluated with the decision "déployer" or "itérer"."""
    if not can_contribute(user) or not user.organisation_id:
        raise PermissionDenied(
            "Seul un agent rattaché à une collectivité peut reproduire une expérimentation."
        )
    if user.organisation_id == experiment.carrier_id:
        raise ValidationError("Votre collectivité porte déjà cette expérimentation.")
    refusal = replication_refusal(experiment)
    if refusal:
        raise ValidationError(refusal)
    indicators = [(i.name, i.unit, i.baseline, i.target) for i in experiment.indicators.all()]
    return start_experiment(
        user,
        solution=experiment.solution,
        title=f"{experiment.title} — {user.organisation.name}",
        need=experiment.need,
        hypotheses=experiment.hypotheses,
        duration_weeks=experiment.duration_weeks,
        indicators=indicators,
        data=experiment.data,
        legal_check="",  # each collectivité checks its own legal basis
        replicated_from=experiment,
    )


def replication_counts(solution, user=None) -> dict:
    """Experiments of a solution, how many are replications, by how many collectivités; and
    the register records reproduced from a record that uses it (those `user` may see)."""
    from django.contrib.auth.models import AnonymousUser

    from territoria.registre.visibility import visible_projects

    experiments = solution.experiments.all()
    records = RecordReplication.objects.filter(
        solution=solution,
        project__in=visible_projects(user if user is not None else AnonymousUser()),
    )
    return {
        "experiments": experiments.count(),
        "replications": experiments.filter(replicated_from__isnull=False).count(),
        "organisations": len({e.carrier_id for e in experiments}),
        "record_replications": records.count(),
    }


# Fields of a register record that describe WHAT was done and HOW: a collectivité that
# reproduces the project starts from them. Left out on purpose: who, when, contact, budget and
# funding, status, and the legal and risk assessment, which each collectivité makes for itself.
COPIED_RECORD_FIELDS = (
    "usage_description",
    "mise_en_oeuvre",
    "theme",
    "sous_themes",
    "audiences",
    "hebergement",
    "nom_algorithme",
    "algorithme_description",
    "algorithme_operations",
    "type_algorithme",
    "impact_environnement",
    "donnees_source",
    "donnees_acces",
    "explicabilite",
    "url_ressources",
)


def copied_record_fields(user) -> list[str]:
    """The attributes copied for `user`: only those the register lets this user read
    (registre.visibility.visible_fields), so a copy never carries a value its author could not
    see; the copy keeps the register's access level for each field."""
    from territoria.registre.visibility import visible_fields

    readable = {spec.attr for spec in visible_fields(user)}
    return [name for name in COPIED_RECORD_FIELDS if name in readable]


def replicate_record(source, user, *, solution=None, experiment=None):
    """ "Reproduire ce projet" for a register record: a draft record of the user's collectivité,
    pre-filled with the source's public description, linked back (RecordReplication) and, when
    a solution is named, linked to it. The agent completes and submits it in the register as
    any draft. Reproducing the same record twice opens the existing draft instead."""
    from territoria.registre.models import Project
    from territoria.registre.services.workflow import save_project
    from territoria.registre.visibility import visible_projects
    from territoria.registre.vocabulary import Lifecycle

    if not can_contribute(user) or not user.organisation_id:
        raise PermissionDenied(
            "Seul un agent rattaché à une collectivité peut reproduire un projet."
        )
    if not visible_projects(user).filter(pk=source.pk, lifecycle=Lifecycle.PUBLISHED).exists():
        raise ValidationError("Seul un projet publié du registre peut être reproduit.")
    if source.organisation_id == user.organisation_id:
        raise ValidationError("Ce projet est déjà celui de votre collectivité.")
    if experiment is not None and replication_refusal(experiment):
        raise ValidationError(replication_refusal(experiment))
    existing = RecordReplication.objects.filter(
        source=source, project__organisation_id=user.organisation_id
    ).first()
    if existing is not None:
        return existing.project, False
    with transaction.atomic(), acting_as(user):
        copy = Project(
            organisation=user.organisation,
            nom_projet=source.nom_projet,
            source="catalogue",
            source_key=f"reproduction:{source.pk}",
        )
        for name in copied_record_fields(user):
            value = getattr(source, name)
            setattr(copy, name, list(value) if isinstance(value, list) else value)
        save_project(copy, user)
        RecordReplication.objects.create(
            source=source, project=copy, solution=solution, experiment=experiment, created_by=user
        )
        if solution is not None:
            # No note: the link back (RecordReplication) is shown as such; the note is the
            # collectivité's own account of how it went, written once it has something to say.
            SolutionUse.objects.get_or_create(solution=solution, project=copy)
    return copy, True


# --- Curation --------------------------------------------------------------------------------


def save_solution(
    user, values: dict, *, provider=None, new_provider=None, instance=None, homonym=False
):
    """Create (instance None) or edit a solution; a new provider is created with it. Curators
    only. The same name at the same provider (folded: accents, case, spaces) is refused with a
    pointer to the existing one; the same name at another provider (often the same product,
    its provider spelt differently) too, unless the curator confirms it is another solution
    (`homonym`). Nothing is written when anything is refused."""
    if not can_curate(user):
        raise PermissionDenied("Seuls les modérateurs et administrateurs modifient le catalogue.")
    with transaction.atomic(), acting_as(user):
        if provider is None:
            if not new_provider or not new_provider.get("name"):
                raise ValidationError({"provider": "Le fournisseur manque."})
            provider = Provider.objects.filter(name__iexact=new_provider["name"]).first()
            if provider is None:
                provider = Provider(**new_provider)
                provider.full_clean()
                provider.save()
        solution = instance or Solution(source=f"saisie par {user.get_username()}")
        for name, value in values.items():
            setattr(solution, name, value)
        solution.provider = provider
        same_name = [
            s
            for s in Solution.objects.filter(merged_into__isnull=True)
            .exclude(pk=solution.pk)
            .select_related("provider")
            if fold(s.name) == fold(solution.name)
        ]
        twin = next((s for s in same_name if s.provider_id == provider.pk), None)
        if twin is not None:
            raise ValidationError(
                {
                    "name": f"« {twin.name} » de {provider.name} est déjà au catalogue "
                    f"({twin.get_absolute_url()}) : modifiez cette fiche, ou fusionnez les doublons."
                }
            )
        if same_name and not homonym:
            other = same_name[0]
            raise ValidationError(
                {
                    "name": f"« {other.name} » de {other.provider.name} est déjà au catalogue "
                    f"({other.get_absolute_url()}) : si c'est bien une autre solution, cochez "
                    "« Homonyme confirmé » ; sinon modifiez cette fiche."
                }
            )
        solution.full_clean()
        solution.save()
    return solution


# --- Competences in the organisation's territory ------------------------------------------


@dataclass
class Competence:
    domain: str
    domain_label: str
    label: str
    national: str  # who holds it according to the national table
    holding: str | None  # Holding code, None when nobody said and the table cannot say
    to: str = ""
    recorded: bool = False  # said by the organisation (not the table's default)

    @property
    def holding_label(self) -> str:
        return voc.Holding(self.holding).label if self.holding else "non renseignée"


def territory_competences(organisation, domains=None) -> list[Competence]:
    """The competences of `domains` (all when None) as they stand in `organisation`'s
    territory: what it recorded, or the national table's default for its type."""
    record = TerritoryCompetences.objects.filter(organisation=organisation).first()
    entries = record.entries if record else {}
    codes = (
        list(voc.COMPETENCES) if domains is None else [d for d in domains if d in voc.COMPETENCES]
    )
    rows = []
    for code in codes:
        label, national = voc.COMPETENCES[code]
        entry = entries.get(code)
        rows.append(
            Competence(
                domain=code,
                domain_label=voc.DOMAINS.label(code),
                label=label,
                national=national,
                holding=entry["holding"] if entry else voc.default_holding(organisation.type, code),
                to=(entry or {}).get("to", ""),
                recorded=bool(entry),
            )
        )
    return rows


def set_territory_competences(organisation, user, answers: dict) -> list[Competence]:
    """Record the organisation's situation: {domain: (holding, to)}. Its agents only; every
    answer is checked (a transferred competence names who holds it) and nothing is written
    when one is wrong (ValidationError listing them, by competence)."""
    if not (can_contribute(user) and user.organisation_id == organisation.pk):
        raise PermissionDenied("Seuls les agents de la collectivité renseignent ses compétences.")
    problems, entries = [], {}
    for code, (holding, to) in answers.items():
        if code not in voc.COMPETENCES:
            problems.append(f"« {code} » : domaine inconnu.")
            continue
        label = f"{voc.DOMAINS.label(code)} ({voc.COMPETENCES[code][0]})"
        to = (to or "").strip()[:200]
        if holding in ("", None):
            continue  # keep the national default
        if holding not in voc.Holding.values:
            problems.append(f"{label} : situation inconnue « {holding} ».")
        elif holding == voc.Holding.TRANSFERRED and not to:
            problems.append(f"{label} : transférée à qui ? Nommez l'EPCI ou le syndicat.")
        else:
            entries[code] = {"holding": holding, "to": to if holding != voc.Holding.HELD else ""}
    if problems:
        raise ValidationError(problems)
    with transaction.atomic(), acting_as(user):
        record, _ = TerritoryCompetences.objects.get_or_create(organisation=organisation)
        record.entries = entries
        record.save()
    return territory_competences(organisation)


# --- Ideation sessions ---------------------------------------------------------------------


def may_host(session, user) -> bool:
    """Who runs a session (closes it, triages its ideas): its facilitator, the contributors of
    the organisation that hosts it, curators."""
    if can_curate(user):
        return True
    if not can_contribute(user):
        return False
    return user.pk == session.facilitator_id or (
        user.organisation_id is not None and user.organisation_id == session.organisation_id
    )


def is_participant(session, user) -> bool:
    return bool(user.is_authenticated) and session.participants.filter(pk=user.pk).exists()


def create_session(user, *, title, date, description="") -> IdeationSession:
    if not can_contribute(user) or not user.organisation_id:
        raise PermissionDenied("Seuls les agents d'une collectivité organisent une session.")
    with transaction.atomic(), acting_as(user):
        session = IdeationSession(
            organisation=user.organisation,
            title=title,
            date=date,
            description=description,
            facilitator=user,
        )
        session.full_clean()
        session.save()
        session.participants.add(user)
    return session


def join_session(session, user, *, leave=False) -> None:
    if not can_contribute(user):
        raise PermissionDenied("Seuls les agents participent aux sessions d'idéation.")
    if not session.open:
        raise ValidationError("La session est close : on ne la rejoint ni ne la quitte plus.")
    if leave:
        session.participants.remove(user)
    else:
        session.participants.add(user)


def close_session(session, user, *, open_=False) -> None:
    if not may_host(session, user):
        raise PermissionDenied("Seuls l'animateur et la collectivité hôte ferment la session.")
    with acting_as(user):
        session.open = open_
        session.save()


def _session_gate(session, user, what: str) -> None:
    if not can_contribute(user):
        raise PermissionDenied(f"Seuls les agents {what}.")
    if session is None:
        return
    if not is_participant(session, user):
        raise PermissionDenied(
            f"Seuls les participants de la session « {session.title} » {what} : "
            "rejoignez-la d'abord."
        )
    if not session.open:
        raise ValidationError(f"La session « {session.title} » est close.")


def propose_idea(user, session, values: dict) -> Idea:
    """An idea belongs to a session; only its participants propose, while it is open."""
    if session is None:
        raise ValidationError({"session": "Choisissez la session d'idéation de l'idée."})
    _session_gate(session, user, "proposent des idées")
    if not user.organisation_id:
        raise PermissionDenied("Une idée est proposée au nom d'une collectivité.")
    with transaction.atomic(), acting_as(user):
        idea = Idea(organisation=user.organisation, author=user, session=session, **values)
        idea.full_clean()
        idea.save()
    return idea


def toggle_vote(idea, user) -> bool:
    """A participant of the idea's session votes once (again: withdraws). True when voted."""
    _session_gate(idea.session, user, "votent")
    if idea.voters.filter(pk=user.pk).exists():
        idea.voters.remove(user)
        return False
    idea.voters.add(user)
    return True


def may_triage(idea, user) -> bool:
    if idea.session_id:
        return may_host(idea.session, user)
    return can_curate(user) or (
        can_contribute(user) and user.organisation_id == idea.organisation_id
    )


def triage(user, changes: dict) -> list[Idea]:
    """Move several ideas at once ({idea: new status}); every move is checked first, and one
    refused move writes nothing (ValidationError listing each refusal by the idea's need)."""
    problems, moved = [], []
    for idea, new in changes.items():
        if new == idea.status:
            continue
        label = f"« {idea.need[:60]} »"
        if not may_triage(idea, user):
            raise PermissionDenied(f"{label} : vous ne pouvez pas trier cette idée.")
        if new not in voc.Status.values:
            problems.append(f"{label} : état inconnu « {new} ».")
            continue
        try:
            check_transition(idea.status, new)
        except ValidationError as error:
            problems.append(f"{label} : {error.messages[0]}")
            continue
        moved.append((idea, new))
    if problems:
        raise ValidationError(problems)
    with transaction.atomic(), acting_as(user):
        for idea, new in moved:
            idea.status = new
            idea.save()
    return [idea for idea, _ in moved]


# --- Duplicates ----------------------------------------------------------------------------


def duplicate_groups() -> list[list[Solution]]:
    """Solutions that are probably the same: same folded name (whatever the provider's spelling)."""
    groups = defaultdict(list)
    for solution in Solution.objects.filter(merged_into__isnull=True).select_related("provider"):
        groups[fold(solution.name)].append(solution)
    return [group for group in groups.values() if len(group) > 1]


def merge(keep: Solution, other: Solution, user) -> Solution:
    """Move the uses, evaluations and experiments of `other` to `keep`; `other` points to it."""
    if not can_curate(user):
        raise PermissionDenied("Seuls les modérateurs fusionnent des solutions.")
    if keep.pk == other.pk:
        raise ValidationError("Une solution ne se fusionne pas avec elle-même.")
    with transaction.atomic(), acting_as(user):
        for use in other.uses.all():
            if not keep.uses.filter(project=use.project).exists():
                use.solution = keep
                use.save()
        for evaluation in other.evaluations.all():
            if not keep.evaluations.filter(evaluator=evaluation.evaluator).exists():
                evaluation.solution = keep
                evaluation.save()
        other.experiments.update(solution=keep)
        other.merged_into = keep
        other.published = False
        other.save()
    return keep


# --- Register records that name a solution --------------------------------------------------

DETECTED_NOTE = (
    "Détection automatique : le nom de la solution est cité dans la fiche publique du registre."
)


def detect_register_uses(projects=None) -> int:
    """Link the published register records whose PUBLIC text names a catalogue solution (whole
    name, word-bounded, case-insensitive, 4 characters or more). Restricted fields are never
    read: the link is shown to everyone on the solution page. Returns the links created."""
    import re

    from django.contrib.auth.models import AnonymousUser

    from territoria.catalogue.models import SolutionUse
    from territoria.registre.visibility import project_values, visible_projects

    anonymous = AnonymousUser()
    patterns = [
        (solution, re.compile(r"(?<!\w)" + re.escape(solution.name) + r"(?!\w)", re.IGNORECASE))
        for solution in Solution.objects.filter(published=True, merged_into__isnull=True)
        if len(solution.name) >= 4
    ]
    projects = visible_projects(anonymous, projects).select_related("organisation")
    created = 0
    for project in projects.iterator():
        values = project_values(project, anonymous)
        text = " ".join(str(v) for v in values.values() if isinstance(v, str))
        for solution, pattern in patterns:
            if pattern.search(text):
                _, new = SolutionUse.objects.get_or_create(
                    solution=solution, project=project, defaults={"note": DETECTED_NOTE}
                )
                created += new
    return created
