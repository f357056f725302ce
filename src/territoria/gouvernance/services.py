"""What the pages, the API and the CLI do with governance objects (one code path for all)."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.html import strip_tags

from territoria.core.audit import acting_as
from territoria.gouvernance import aiact
from territoria.gouvernance.models import (
    Classification,
    CrpaNotice,
    FrugalityAssessment,
    Obligation,
    TrustAssessment,
    record_fingerprint,
)
from territoria.registre.models import Project

RULES = Path(__file__).resolve().parent / "rules"


@cache
def trust_rules() -> dict:
    return yaml.safe_load((RULES / "confiance.yaml").read_text(encoding="utf-8"))


@cache
def frugality_rules() -> dict:
    return yaml.safe_load((RULES / "frugalite.yaml").read_text(encoding="utf-8"))


# --- AI-Act classification --------------------------------------------------------------------


def latest_classification(project, *, validated_only: bool = False) -> Classification | None:
    """The record's newest classification (draft, proposal or validated), or the newest
    validated one with `validated_only`; None when there is none. Public: other apps call it."""
    queryset = project.classifications.all()
    if validated_only:
        queryset = queryset.filter(status=Classification.Status.VALIDATED)
    return queryset.order_by("-number").first()


@transaction.atomic
def save_classification(
    project: Project, raw_answers: dict, user, *, submit: bool
) -> Classification:
    """Save the answers: a draft stays one editable version; submitting makes it a proposal
    (a new version once the previous one was proposed or validated)."""
    answers = aiact.clean_answers(raw_answers)
    result = aiact.evaluate(answers)
    if submit and not result.complete:
        raise ValidationError(
            "La classification est incomplète : répondez aux questions restantes."
        )
    Project.objects.select_for_update().filter(pk=project.pk).first()  # one writer per record
    current = latest_classification(project)
    if current is None or current.status != Classification.Status.DRAFT:
        number = (project.classifications.aggregate(n=Max("number"))["n"] or 0) + 1
        current = Classification(project=project, number=number, created_by=_person(user))
    current.answers = answers
    current.result = result.as_dict()
    current.rules_version = result.rules_version
    current.level = result.level or ""
    current.record_fingerprint = record_fingerprint(project)
    current.status = Classification.Status.PROPOSED if submit else Classification.Status.DRAFT
    with acting_as(user):
        current.save()
    return current


@transaction.atomic
def validate_classification(
    classification: Classification, reviewer, note: str = ""
) -> Classification:
    """A reviewer (not its author) accepts a proposal: the obligations checklist is created."""
    if classification.status != Classification.Status.PROPOSED:
        raise ValidationError("Seule une classification proposée peut être validée.")
    if classification.created_by_id and classification.created_by_id == reviewer.pk:
        raise PermissionDenied("La relecture doit être faite par une autre personne que l'auteur.")
    today = timezone.localdate()
    with acting_as(reviewer):
        classification.status = Classification.Status.VALIDATED
        classification.reviewer = reviewer
        classification.reviewed_at = timezone.now()
        classification.review_note = note
        classification.save()
        for item in classification.result.get("obligations", []):
            applies_from = datetime.date.fromisoformat(item["applies_from"])
            Obligation.objects.create(
                classification=classification,
                code=item["id"],
                article=item["article"],
                text=item["text"],
                applies_from=applies_from,
                owner=item["owner"],
                due_on=max(applies_from, today),
            )
    return classification


def update_obligation(obligation: Obligation, user, *, owner=None, due_on=None, done=None):
    """Change an obligation's owner, due date (ISO date text, "" to clear) or done flag; a
    malformed date is refused before anything is written."""
    if due_on is not None:
        try:
            due = datetime.date.fromisoformat(due_on) if due_on else None
        except (TypeError, ValueError):
            raise ValidationError(
                f"Échéance invalide (« {due_on} ») : saisissez une date au format AAAA-MM-JJ."
            ) from None
        obligation.due_on = due
    if owner is not None:
        obligation.owner = str(owner).strip()[:200]
    if done is not None:
        obligation.done = bool(done)
        obligation.done_on = timezone.localdate() if obligation.done else None
    with acting_as(user):
        obligation.save()
    return obligation


def propose_register_value(classification: Classification, user) -> str | None:
    """Fill the record's public AI-Act field from a validated classification, through the
    register's own workflow (a published record gets a pending revision for moderation).
    Returns an error message in plain French, or None."""
    from territoria.registre.services import workflow

    value = classification.result.get("register_value", "")
    project = Project.objects.get(pk=classification.project_id)
    copy = workflow.working_copy(project)
    if copy.risque_categorie == value:
        return None
    copy.risque_categorie = value
    try:
        with acting_as(user):
            workflow.save_project(copy, user, expected_version=project.version)
    except ValidationError as error:
        fields = ", ".join(sorted(getattr(error, "message_dict", {}) or {})) or str(error)
        return f"La fiche du registre n'a pas pu être complétée : champs à corriger ({fields})."
    except PermissionDenied as error:
        return str(error)
    return None


# --- Trust self-assessment --------------------------------------------------------------------


def trust_items() -> list[tuple[dict, dict]]:
    return [(req, item) for req in trust_rules()["requirements"] for item in req["items"]]


def score_trust(answers: dict) -> tuple[dict, bool]:
    """{requirement: share of the maximum (0..1), None when all items are not applicable}."""
    scale = trust_rules()["scale"]
    scores, complete = {}, True
    for req in trust_rules()["requirements"]:
        points, maximum = 0, 0
        for item in req["items"]:
            answer = (answers.get(item["id"]) or {}).get("answer")
            if answer not in scale:
                complete = False
                continue
            if scale[answer]["score"] is None:
                continue
            points += scale[answer]["score"]
            maximum += 2
        scores[req["id"]] = round(points / maximum, 3) if maximum else None
    return scores, complete


def trust_recommendations(answers: dict) -> list[dict]:
    """One recommendation per item answered « non » or « en partie »."""
    return [
        {
            "requirement": req["title"],
            "section": item["section"],
            "advice": item["advice"],
            "answer": answers[item["id"]]["answer"],
        }
        for req, item in trust_items()
        if (answers.get(item["id"]) or {}).get("answer") in ("non", "partiel")
    ]


def trust_errors(raw) -> list[str]:
    """What is wrong in trust answers sent through the API (plain French), [] when fine."""
    if not isinstance(raw, dict):
        return ["« reponses » doit être un objet {question: {answer, evidence, comment}}."]
    known = {item["id"] for _req, item in trust_items()}
    scale = trust_rules()["scale"]
    errors = []
    for key, value in raw.items():
        if key not in known:
            errors.append(f"Question inconnue : « {key} » (voir rules/confiance.yaml).")
        elif not isinstance(value, dict) or value.get("answer") not in scale:
            errors.append(
                f"« {key} » : réponse attendue parmi {', '.join(scale)} "
                f"(reçu : {value.get('answer') if isinstance(value, dict) else value!r})."
            )
        elif not all(isinstance(value.get(f, ""), str) for f in ("evidence", "comment")):
            errors.append(f"« {key} » : « evidence » et « comment » sont des textes.")
    return errors


def save_trust(project: Project, raw: dict, user) -> TrustAssessment:
    scale = trust_rules()["scale"]
    answers = {}
    for _req, item in trust_items():
        value = raw.get(item["id"], {})
        if value.get("answer") in scale:
            answers[item["id"]] = {
                "answer": value["answer"],
                "evidence": value.get("evidence", "").strip()[:2000],
                "comment": value.get("comment", "").strip()[:2000],
            }
    scores, complete = score_trust(answers)
    with acting_as(user):
        return TrustAssessment.objects.create(
            project=project,
            rules_version=str(trust_rules()["version"]),
            answers=answers,
            scores=scores,
            complete=complete,
            created_by=_person(user),
        )


# --- Frugality --------------------------------------------------------------------------------


FRANCE_GRID_INTENSITY = 51.28  # gCO2e/kWh, GreenAlgorithms v2.2 (AIB 2021, 2020 data)


def grid_carbon_intensity() -> float:
    """The default grid intensity of new estimates; each estimate stores and may change its own."""
    return FRANCE_GRID_INTENSITY


def energy_kwh_per_use(f: FrugalityAssessment) -> float:
    """GreenAlgorithms: runtime × (cores × TDP × usage + memory × 0.3725 W/GB) × PUE / 1000."""
    memory_w = frugality_rules()["defaults"]["memory_w_per_gb"]
    power_w = f.cores * f.tdp_per_core_w * f.usage + f.memory_gb * memory_w
    return f.runtime_hours * power_w * f.pue / 1000


def frugality_figures(f: FrugalityAssessment) -> dict:
    kwh = energy_kwh_per_use(f)
    gates = {
        "alternative": f.alternative_considered is True and bool(f.alternative_text.strip()),
        "pratiques": len(f.practices) >= len(frugality_rules()["practices"]) // 2,
        "limites": f.within_limits is True,
    }
    return {
        "energy_wh_per_use": round(kwh * 1000, 4),
        "co2e_g_per_use": round(kwh * f.carbon_intensity, 4),
        "energy_kwh_per_year": round(kwh * f.uses_per_year, 3),
        "co2e_kg_per_year": round(kwh * f.uses_per_year * f.carbon_intensity / 1000, 3),
        "practices_share": round(len(f.practices) / len(frugality_rules()["practices"]), 3),
        "gates": gates,
        "frugal": all(gates.values()),
    }


# --- CRPA texts -------------------------------------------------------------------------------


def crpa_applies(project: Project, notice: CrpaNotice | None, validated=False) -> bool:
    """Does the record support individual decisions (its notice says so, or its validated
    classification places it among eligibility decisions for public benefits)?"""
    if notice is not None and notice.individual_decisions:
        return True
    latest = (
        latest_classification(project, validated_only=True) if validated is False else validated
    )
    return bool(latest and "prestations_publiques" in (latest.answers.get("annexe_iii") or []))


def mention_explicite(project: Project, notice: CrpaNotice) -> str:
    """The explicit mention (L311-3-1 and R311-3-1-1 CRPA) to print on each decision."""
    automated = notice.automation == CrpaNotice.Automation.FULL
    way = (
        "prise sur le fondement d'un traitement algorithmique"
        if automated
        else ("préparée à l'aide d'un traitement algorithmique, un agent ayant pris la décision")
    )
    return (
        f"Cette décision a été {way} (« {project.nom_algorithme or project.nom_projet} »), "
        f"mis en œuvre par {project.organisation.name} ({notice.service or 'service à préciser'}) "
        f"dans le but suivant : {notice.purpose or project.usage_description or 'finalité à préciser'}\n"
        "Conformément à l'article L311-3-1 du code des relations entre le public et l'administration, "
        "vous pouvez obtenir la communication des règles définissant ce traitement et des principales "
        "caractéristiques de sa mise en œuvre, ainsi que la manière dont il vous a été appliqué. "
        f"Adressez votre demande à : {notice.contact or 'adresse à préciser'}."
    )


def rules_page(project: Project, notice: CrpaNotice) -> list[tuple[str, str]]:
    """The public description of the algorithm's main rules (L312-1-3 CRPA, inventory fields)."""
    return [
        ("Administration", project.organisation.name),
        ("Service et contact", f"{notice.service} — {notice.contact}".strip(" —")),
        ("Nom de l'algorithme", project.nom_algorithme or project.nom_projet),
        ("Finalité et justification", notice.purpose or project.usage_description),
        ("Place dans la décision", notice.decision_place),
        ("Niveau d'automatisation", notice.get_automation_display()),
        ("Base juridique", notice.legal_basis),
        ("Décisions par an", str(notice.decisions_per_year or "non renseigné")),
        ("Données traitées et sources", notice.data_sources),
        ("Opérations effectuées", notice.operations),
        ("Code source ou logigramme", notice.code_url or "non publié"),
        ("Mise à jour", timezone.localtime(notice.updated_at).strftime("%d/%m/%Y")),
    ]


def individual_information_template(project: Project, notice: CrpaNotice) -> str:
    """The answer to a person's request (R311-3-1-2 CRPA): four headings, the person's values to fill."""
    return "\n".join(
        [
            f"Objet : communication des règles du traitement « {project.nom_algorithme or project.nom_projet} »",
            "",
            "Madame, Monsieur,",
            "",
            (
                "En réponse à votre demande fondée sur l'article R311-3-1-2 du code des relations entre le "
                "public et l'administration, voici comment le traitement algorithmique vous a été appliqué."
            ),
            "",
            "1. Degré et mode de contribution du traitement à la décision",
            f"   {notice.get_automation_display()}. {notice.decision_place}",
            "2. Données traitées et leurs sources",
            f"   {notice.data_sources}",
            "   Vos données : [à compléter pour la personne]",
            "3. Paramètres de traitement et leur pondération, appliqués à votre situation",
            f"   {notice.parameters or '[paramètres à décrire]'}",
            "   Valeurs retenues pour vous : [à compléter]",
            "4. Opérations effectuées par le traitement",
            f"   {notice.operations}",
            "",
            f"{project.organisation.name} — {notice.service}",
            f"Contact : {notice.contact}",
        ]
    )


# --- Citizens' say: anti-spam without third-party captcha -------------------------------------

FORM_SALT = "gouvernance.citizen-form"
MIN_SECONDS, MAX_SECONDS = 3, 24 * 3600
MAX_LINKS = 2
URL = re.compile(r"https?://|www\.", re.IGNORECASE)


def form_token() -> str:
    return signing.dumps(int(time.time()), salt=FORM_SALT)


def spam_reason(body: str, honeypot: str, token: str, now: float | None = None) -> str | None:
    """Why a message is refused as spam (plain French), or None."""
    if honeypot:
        return "Le formulaire a été rempli de façon automatique."
    try:
        issued = signing.loads(token, salt=FORM_SALT)
    except signing.BadSignature:
        return "Le formulaire a expiré : rechargez la page puis envoyez votre message."
    age = (now or time.time()) - issued
    if age < MIN_SECONDS:
        return "Le message a été envoyé trop vite : relisez-le puis envoyez-le à nouveau."
    if age > MAX_SECONDS:
        return "Le formulaire a expiré : rechargez la page puis envoyez votre message."
    if len(URL.findall(body)) > MAX_LINKS:
        return f"Un message ne peut pas contenir plus de {MAX_LINKS} liens."
    return None


def clean_text(text: str) -> str:
    """Plain text only: tags are removed (and the page escapes what is left anyway)."""
    return strip_tags(text).replace("\x00", "").strip()


def sender_key(address: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()


MESSAGES_PER_SENDER_PER_DAY = 5


def receive_citizen_message(project: Project, data: dict, address: str):
    """A message of the public, validated by `CitizenMessageForm` (page and API alike): spam
    checks, a daily limit per address (its keyed hash), HTML removed; saved as pending.
    Returns (message, None) or (None, the reason it was refused, in plain French)."""
    from territoria.gouvernance.models import CitizenMessage

    reason = spam_reason(data["body"], data.get("site_web", ""), data["jeton"])
    key = sender_key(address)
    since = timezone.now() - datetime.timedelta(days=1)
    if (
        reason is None
        and CitizenMessage.objects.filter(sender_key=key, created_at__gte=since).count()
        >= MESSAGES_PER_SENDER_PER_DAY
    ):
        reason = (
            f"Vous avez déjà envoyé {MESSAGES_PER_SENDER_PER_DAY} messages aujourd'hui : "
            "réessayez demain."
        )
    if reason:
        return None, reason
    body = clean_text(data["body"])
    if not body:
        return None, "Le message est vide une fois le code HTML retiré."
    message = CitizenMessage.objects.create(
        project=project,
        kind=data.get("kind") or CitizenMessage.Kind.QUESTION,
        author_name=clean_text(data.get("author_name", "")),
        author_email=data.get("author_email", ""),
        body=body,
        sender_key=key,
    )
    return message, None


def moderate_message(message, action: str, answer: str, user):
    """Publish (with the collectivité's answer, if any) or refuse a citizen's message."""
    from territoria.gouvernance.models import CitizenMessage

    if action not in ("publier", "refuser", "repondre"):
        raise ValidationError("Action inconnue : attendu « publier », « refuser » ou « repondre ».")
    answer = clean_text(answer or "")
    if action == "refuser":
        message.status = CitizenMessage.Status.REJECTED
    else:
        if action == "repondre" and not answer:
            raise ValidationError("La réponse est vide.")
        message.status = CitizenMessage.Status.PUBLISHED
        if answer:
            message.answer, message.answered_at = answer[:5000], timezone.now()
    message.moderated_by = _person(user)
    message.save()
    return message


def record_opinion(project: Project, opinion, checked_criteria, user):
    """Save a committee opinion (validated by `OpinionForm`) with the organisation's gate
    criteria: {label: True if checked}; `checked_criteria` holds the ids or labels checked."""
    checked = {str(value) for value in checked_criteria}
    opinion.project = project
    opinion.recorded_by = _person(user)
    opinion.gate_results = {
        c.label: str(c.pk) in checked or c.label in checked
        for c in project.organisation.ai_gate_criteria.all()
    }
    with acting_as(user):
        opinion.save()
    return opinion


def _person(user):
    return user if getattr(user, "is_authenticated", False) else None


# --- The platform's own modules: energy from their measured runtimes --------------------------


@dataclass(frozen=True)
class MeasuredUse:
    """A use of one of the platform's AI modules whose runtime the module measures as it runs it.
    `field`: a float column of seconds; or `json_key`: a key of the JSON column `json_field`
    (read in Python: the modules that store it there run a few long jobs, not many uses)."""

    label: str
    model: str
    field: str = ""
    json_field: str = ""
    json_key: str = ""
    filters: tuple[tuple[str, object], ...] = ()
    runtime: str = "cpu"  # "cpu": CPU seconds; "wall": elapsed seconds of a single-core run


MEASURED_USES = [
    MeasuredUse("Réponses de l'assistant", "assistant.Exchange", field="cpu_seconds"),
    MeasuredUse(
        "Rédaction assistée (travaux terminés)",
        "redaction.WritingJob",
        field="cpu_seconds",
        filters=(("state", "done"),),
    ),
    MeasuredUse(
        "Eau : rejeu d'une période de mesures",
        "eau.Job",
        json_field="result",
        json_key="seconds",
        filters=(("kind", "replay"), ("status", "termine")),
        runtime="wall",
    ),
    MeasuredUse(
        "Eau : évaluation du renouvellement",
        "eau.Job",
        json_field="result",
        json_key="seconds",
        filters=(("kind", "renewal"), ("status", "termine")),
        runtime="wall",
    ),
]


def _measured_seconds(model, use: MeasuredUse, since) -> tuple[int, float]:
    """(number of uses, mean seconds per use) over the period."""
    from django.db.models import Avg, Count

    rows = model.objects.filter(created_at__gte=since, **dict(use.filters))
    if use.field:
        figures = rows.aggregate(n=Count("pk"), seconds=Avg(use.field))
        return figures["n"], figures["seconds"] or 0.0
    values = []
    for stored in rows.values_list(use.json_field, flat=True):
        value = (stored or {}).get(use.json_key) if isinstance(stored, dict) else None
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0:
            values.append(float(value))
    return len(values), (sum(values) / len(values) if values else 0.0)


def platform_frugality(days: int = 365) -> list[dict]:
    """Energy and carbon per use of the platform's own AI modules, from their measured runtime
    (CPU time, or the elapsed time of a single-core job where the module stores only that)
    over the last `days` (GreenAlgorithms: one core at full use per CPU second, the
    default memory and PUE of rules/frugalite.yaml, the configured grid intensity)."""
    from django.apps import apps

    defaults = frugality_rules()["defaults"]
    since = timezone.now() - datetime.timedelta(days=days)
    rows = []
    for use in MEASURED_USES:
        try:
            model = apps.get_model(use.model)
        except LookupError:
            continue  # module not installed
        uses, seconds = _measured_seconds(model, use, since)
        if not uses:
            continue
        estimate = FrugalityAssessment(
            runtime_hours=seconds / 3600,
            cores=1,
            tdp_per_core_w=defaults["tdp_per_core_w"],
            usage=1.0,
            memory_gb=defaults["memory_gb"],
            pue=defaults["pue"],
            carbon_intensity=grid_carbon_intensity(),
            uses_per_year=round(uses * 365 / days),
        )
        kwh = energy_kwh_per_use(estimate)
        rows.append(
            {
                "label": use.label,
                "uses": uses,
                "runtime": use.runtime,
                "cpu_s_per_use": round(seconds, 4),
                "energy_wh_per_use": round(kwh * 1000, 5),
                "co2e_g_per_use": round(kwh * estimate.carbon_intensity, 5),
                "energy_kwh_per_year": round(kwh * estimate.uses_per_year, 4),
            }
        )
    return rows
