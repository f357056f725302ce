"""Pages of the water module (French, server-rendered, usable without JavaScript)."""

from __future__ import annotations

import csv
import datetime as dt
import secrets
import tempfile
from pathlib import Path

import numpy as np
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from territoria.core.csv_safety import neutralise
from territoria.core.roles import has_capability
from territoria.core.templatetags.french import count_words
from territoria.eau import detection
from territoria.eau import network as network_service
from territoria.eau.apps import MANAGE, VIEW
from territoria.eau.models import (
    REMINDER_HOURS_RANGE,
    Alert,
    AlertStatus,
    Job,
    JobStatus,
    Network,
    QualityLimit,
    QualitySample,
    Zone,
)

PRICE_EUR_M3 = detection.PRICE_EUR_M3


def _need(request, capability: str) -> None:
    if not has_capability(request.user, capability):
        if not request.user.is_authenticated:
            raise Http404  # anonymous readers do not learn that the page exists
        raise PermissionDenied("Votre rôle ne permet pas cette action.")


def visible_networks(user):
    """The networks `user` may see: their organisation's, and those owned by none."""
    from django.db.models import Q

    networks = Network.objects.all()
    if getattr(user, "is_superuser", False):
        return networks
    organisation = getattr(user, "organisation_id", None)
    return networks.filter(Q(organisation__isnull=True) | Q(organisation_id=organisation))


def _network(request, pk) -> Network:
    return get_object_or_404(visible_networks(request.user), pk=pk)


def home_context(request) -> dict:
    return {
        "eau_samples": QualitySample.objects.count(),
        "eau_noncompliant": QualitySample.objects.filter(compliant=False).count(),
    }


def _start_job(request, kind: str, network=None, params=None) -> Job:
    from territoria.eau.tasks import run_job

    job = Job.objects.create(
        kind=kind, network=network, params=params or {}, created_by=request.user
    )
    transaction.on_commit(lambda: run_job.enqueue(str(job.pk)))
    return job


def index(request):
    insider = has_capability(request.user, VIEW)
    context = {
        "insider": insider,
        "manager": has_capability(request.user, MANAGE),
        "crs_choices": list(network_service.CRS_CHOICES.items()),
    }
    if insider:
        context.update(
            networks=visible_networks(request.user),
            alerts=Alert.objects.select_related("network").filter(
                status=AlertStatus.NEW, network__in=visible_networks(request.user)
            )[:10],
            jobs=Job.objects.filter(created_by=request.user)[:5],
        )
        # What waits for a decision for more than 48 h (the daily reminder mails the same).
        from territoria.eau.reminders import delay_of, overdue

        scope = (
            None
            if getattr(request.user, "is_superuser", False)
            else [getattr(request.user, "organisation_id", None), None]
        )
        late_alerts, late_samples = overdue(organisation_ids=scope)
        context.update(
            overdue_hours=int(
                delay_of(getattr(request.user, "organisation_id", None)).total_seconds() // 3600
            ),
            reminder_hours_range=REMINDER_HOURS_RANGE,
            can_set_reminder=context["manager"]
            and getattr(request.user, "organisation_id", None) is not None,
            overdue_alerts=late_alerts.count(),
            overdue_samples=late_samples.count() if context["manager"] else 0,
        )
    return render(request, "eau/index.html", context)


def _upload_to_temp(upload) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="eau-"))
    target = folder / Path(upload.name).name
    with target.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return target


def _refuse_nul(request, value: str, field: str) -> bool:
    """A NUL character is never text (PostgreSQL refuses it): said in French, nothing saved."""
    if "\x00" not in value:
        return False
    messages.error(request, f"{field} : caractère nul (octet 0) refusé ; rien n'a été enregistré.")
    return True


def _file_name(upload) -> str:
    return Path(upload.name).name.replace("\x00", "")


@require_POST
def network_import(request):
    """Store the uploaded model and import it in a background job (reading an .inp loads
    WNTR: seconds of CPU, a minute on a busy machine); the job page shows its progress."""
    _need(request, MANAGE)
    upload = request.FILES.get("fichier")
    if upload is None:
        messages.error(request, "Choisissez un fichier EPANET (.inp).")
        return redirect("eau:index")
    crs = request.POST.get("coordonnees", "local")
    if _refuse_nul(request, request.POST.get("nom", ""), "Nom du réseau"):
        return redirect("eau:index")
    if crs not in network_service.CRS_CHOICES:
        messages.error(request, f"Coordonnées : « {crs} » n'est pas un système proposé.")
        return redirect("eau:index")
    from territoria.eau.jobs import upload_folder

    folder = upload_folder()
    folder.mkdir(parents=True, exist_ok=True)
    stored = folder / f"{secrets.token_hex(16)}.inp"  # unguessable, never served
    with stored.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    job = _start_job(
        request,
        "network_import",
        params={
            "file": str(stored),
            "file_name": _file_name(upload),
            "name": request.POST.get("nom", "").strip(),
            "crs": crs,
            "organisation": str(request.user.organisation_id or "") or None,
        },
    )
    return redirect("eau:job", pk=job.pk)


@require_POST
def scada_import(request, pk):
    _need(request, MANAGE)
    from territoria.eau import scada, timeseries

    found = _network(request, pk)
    uploads = request.FILES.getlist("fichier")
    if not uploads:
        messages.error(request, "Choisissez au moins un fichier CSV de mesures.")
        return redirect("eau:network", pk=pk)
    for upload in uploads:
        path = _upload_to_temp(upload)
        try:
            record = timeseries.import_csv(found, path, file_name=_file_name(upload))
        except scada.ScadaError as error:
            messages.error(request, str(error))
            continue
        finally:
            path.unlink(missing_ok=True)
        messages.success(
            request,
            f"{upload.name} : {count_words(record.rows, 'mesure importée|f|mesures importées')}.",
        )
        for warning in record.warnings[:3]:
            messages.warning(request, f"{upload.name} : {warning}")
    return redirect("eau:network", pk=pk)


@require_POST
def replay(request, pk):
    _need(request, MANAGE)
    found = _network(request, pk)
    job = _start_job(request, "replay", network=found)
    return redirect("eau:job", pk=job.pk)


def job_detail(request, pk):
    _need(request, VIEW)
    job = get_object_or_404(Job, pk=pk)
    if job.network_id and not visible_networks(request.user).filter(pk=job.network_id).exists():
        raise Http404
    if (
        job.kind == "network_import"
        and job.network_id is None
        and job.created_by_id != request.user.pk
    ):
        raise Http404  # an import not (yet) a network: its uploader's only
    running = job.status in (JobStatus.QUEUED, JobStatus.RUNNING)
    return render(request, "eau/job.html", {"job": job, "running": running})


def _month_bounds(text: str | None, default: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    try:
        start = dt.datetime.strptime(text or "", "%Y-%m")
    except ValueError:
        start = default.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    return start, end


def network_detail(request, pk):
    _need(request, VIEW)
    from territoria.core.charts import LineChart, Series
    from territoria.eau.jobs import zone_series

    found = _network(request, pk)
    zones = list(found.zones.all())
    imports = list(found.imports.all())
    alerts = list(found.alerts.all()[:50])
    highlight = {p: f"alerte zone {a.zone}" for a in alerts for p in a.pipes}
    charts = []
    month = None
    if imports:
        last = imports[-1].last_time.replace(tzinfo=None)
        start, end = _month_bounds(request.GET.get("mois"), last)
        month = start.strftime("%Y-%m")
        for zone in zones:
            found_series = zone_series(found, zone, start, end)
            if found_series is None:
                continue
            times, hourly, daily = found_series
            points = [
                (
                    t.astype("datetime64[s]").item(),
                    None if not np.isfinite(v) else round(float(v), 1),
                )
                for t, v in zip(times, hourly)
            ]
            markers = [
                (a.raised_at.replace(tzinfo=None), f"Alerte {a.get_status_display().lower()}")
                for a in alerts
                if a.zone == zone.code and start <= a.raised_at.replace(tzinfo=None) < end
            ]
            charts.append(
                LineChart(
                    f"Débit horaire de la zone {zone.code} ({start:%m/%Y})",
                    [Series("Débit mesuré (bilan)", points)],
                    y_label="m³/h",
                    summary=f"Bilan {zone.balance_text()} ; les trous de données restent vides"
                    + (
                        " ; sans niveau du réservoir, la zone est suivie en moyenne journalière."
                        if daily
                        else "."
                    ),
                    markers=markers,
                )
            )
    pressure_sensors = network_service.pressure_sensors(found)
    pressure_sensor = None
    if imports and pressure_sensors:
        pressure_sensor = request.GET.get("capteur")
        if pressure_sensor not in pressure_sensors:
            pressure_sensor = pressure_sensors[0]
        chart = _pressure_chart(found, pressure_sensor, start, end, alerts)
        if chart is not None:
            charts.append(chart)
    context = {
        "network": found,
        "zones": zones,
        "pressure_sensors": pressure_sensors,
        "pressure_sensor": pressure_sensor,
        "model_kept": network_service.model_path(found).exists(),
        "calendars": list(detection.CALENDARS.items()),
        "imports": imports,
        "alerts": alerts,
        "charts": charts,
        "month": month,
        "drawing": network_service.schematic(found, highlight),
        "map_shapes": network_service.map_shapes(found, highlight),
        "manager": has_capability(request.user, MANAGE),
        "last_job": Job.objects.filter(network=found, kind="replay").first(),
    }
    return render(request, "eau/network.html", context)


def _pressure_chart(network, sensor: str, start, end, alerts):
    """Hourly mean pressure of one sensor for the month (gaps stay gaps), or None."""
    from territoria.core.charts import LineChart, Series
    from territoria.eau import timeseries

    series = timeseries.load(network, [sensor], start, end)
    if len(series.times) == 0:
        return None
    times, hourly = detection.hourly_means(series.times, series.values[sensor])
    if not np.isfinite(hourly).any():
        return None
    # The deviation from the month's median: a leak's drop (tens of centimetres) stays
    # visible, where an axis from 0 to 50 m would flatten it; the median is in the summary.
    median = float(np.nanmedian(hourly))
    points = [
        (
            t.astype("datetime64[s]").item(),
            None if not np.isfinite(v) else round(float(v) - median, 2),
        )
        for t, v in zip(times, hourly)
    ]
    markers = [
        (a.raised_at.replace(tzinfo=None), f"Alerte zone {a.zone}")
        for a in alerts
        if start <= a.raised_at.replace(tzinfo=None) < end
    ]
    return LineChart(
        f"Pression horaire au capteur {sensor} ({start:%m/%Y}), écart à la médiane du mois",
        [Series(f"Écart de pression ({sensor})", points)],
        y_label="m",
        summary=f"Pression médiane du mois : {median:.2f} m de colonne d'eau".replace(".", ",")
        + " ; la courbe montre l'écart des moyennes horaires à cette médiane, les trous de "
        "données restent vides. Une fuite fait baisser la pression de nuit des capteurs proches.",
        markers=markers,
    )


@require_POST
def zone_edit(request, pk):
    _need(request, MANAGE)
    zone = get_object_or_404(Zone, pk=pk, network__in=visible_networks(request.user))
    if "bilan" in request.POST:
        try:
            balance, tank = network_service.parse_balance(request.POST["bilan"], zone.network)
        except network_service.NetworkError as error:
            messages.error(request, f"Zone {zone.code} : {error}")
            return redirect("eau:network", pk=zone.network_id)
        zone.balance, zone.tank = balance, tank
        zone.save()  # audited: who declared which balance, when
        messages.success(
            request,
            f"Bilan de la zone {zone.code} : {zone.balance_text()}."
            if balance
            else f"Zone {zone.code} : bilan retiré, la zone n'est plus surveillée.",
        )
        return redirect("eau:network", pk=zone.network_id)
    name = request.POST.get("nom", "").strip()
    if _refuse_nul(request, name, f"Nom de la zone {zone.code}"):
        pass
    elif not name:
        messages.error(request, "Le nom de la zone ne peut pas être vide.")
    else:
        zone.name = name[:200]
        zone.save()
        messages.success(request, f"Zone {zone.code} renommée « {zone.name} ».")
    return redirect("eau:network", pk=zone.network_id)


@require_POST
def calendar(request, pk):
    """The public holidays the network's expected flow follows (read as Sundays). Audited;
    applies from the next replay."""
    from territoria.core.audit import write_entry

    _need(request, MANAGE)
    found = _network(request, pk)
    chosen = request.POST.get("jours_feries", "")
    if chosen not in detection.CALENDARS:
        messages.error(request, f"Jours fériés : « {chosen} » n'est pas un calendrier connu.")
        return redirect("eau:network", pk=found.pk)
    if found.holidays != chosen:
        with transaction.atomic():
            before = found.holidays
            found.holidays = chosen
            found.save(update_fields=["holidays", "updated_at"])
            write_entry(found, "update", {"holidays": [before, chosen]})
    messages.success(
        request,
        f"Jours fériés : {detection.CALENDARS[chosen]} ; pris en compte au prochain traitement.",
    )
    return redirect("eau:network", pk=found.pk)


@require_POST
def reminder_delay(request):
    """The service's delay before the daily reminder lists an undecided alert or an
    unfollowed non-compliance (ServiceSettings). Managers of an organisation only; audited."""
    from territoria.eau.models import ServiceSettings

    _need(request, MANAGE)
    organisation_id = getattr(request.user, "organisation_id", None)
    if organisation_id is None:
        messages.error(request, "Délai de rappel : votre compte n'est rattaché à aucun service.")
        return redirect("eau:index")
    low, high = REMINDER_HOURS_RANGE
    raw = request.POST.get("delai_rappel", "").strip()
    try:
        hours = int(raw)
    except ValueError:
        hours = None
    if hours is None or not low <= hours <= high:
        messages.error(
            request,
            f"Délai de rappel : « {raw} » n'est pas un nombre d'heures entier entre {low} et "
            f"{high} ; rien n'est changé.",
        )
        return redirect("eau:index")
    with transaction.atomic():
        found, _ = ServiceSettings.objects.get_or_create(organisation_id=organisation_id)
        if found.reminder_hours != hours:
            found.reminder_hours = hours
            found.save()  # audited (AuditedModel)
    messages.success(
        request, f"Délai de rappel : {hours} h ; pris en compte au prochain rappel quotidien."
    )
    return redirect("eau:index")


@require_POST
def publication(request, pk):
    """Switch the open-data publication of the network's monthly volumes (publishing.py);
    the portal publishes the new rows once the change is committed. Audited."""
    from django.db import transaction

    from territoria.core.audit import write_entry

    _need(request, MANAGE)
    found = _network(request, pk)
    publish = request.POST.get("publier") == "oui"
    if found.publish_volumes != publish:
        with transaction.atomic():
            found.publish_volumes = publish
            found.save(update_fields=["publish_volumes", "updated_at"])
            write_entry(found, "update", {"publish_volumes": [not publish, publish]})
    messages.success(
        request,
        "Les volumes mensuels du réseau sont publiés sur le portail de données ouvertes."
        if publish
        else "Le réseau est retiré de la publication des volumes mensuels.",
    )
    return redirect("eau:network", pk=found.pk)


def alert_detail(request, pk):
    _need(request, VIEW)
    from territoria.core.charts import LineChart, Series
    from territoria.eau.jobs import zone_series

    alert = get_object_or_404(
        Alert.objects.select_related("network").filter(network__in=visible_networks(request.user)),
        pk=pk,
    )
    zone = alert.network.zones.filter(code=alert.zone).first()
    raised = alert.raised_at.replace(tzinfo=None)
    started = alert.start_estimate.replace(tzinfo=None)
    chart = None
    if zone is not None:
        window_start = started - dt.timedelta(days=7)
        found = zone_series(alert.network, zone, window_start, raised + dt.timedelta(days=2))
        if found is not None:
            times, hourly, daily = found
            before = times < np.datetime64(started)
            profile_ok = before.sum() >= 168 and not daily
            expected = None
            if profile_ok:
                holiday_days = detection.calendar_for(alert.network.holidays, times)
                slots = detection.hour_of_week(times, holiday_days)
                shape = detection.weekly_profile(
                    times[before][-168:], hourly[before][-168:], holiday_days
                )
                level = np.nanmedian(hourly[before][-168:] - shape[slots[before][-168:]])
                expected = shape[slots] + level
            series = [
                Series(
                    "Observé",
                    [
                        (
                            t.astype("datetime64[s]").item(),
                            None if not np.isfinite(v) else round(float(v), 1),
                        )
                        for t, v in zip(times, hourly)
                    ],
                )
            ]
            if expected is not None:
                series.append(
                    Series(
                        "Attendu sans fuite",
                        [
                            (t.astype("datetime64[s]").item(), round(float(v), 1))
                            for t, v in zip(times, expected)
                        ],
                    )
                )
            chart = LineChart(
                f"Zone {alert.zone} : débit observé et attendu",
                series,
                y_label="m³/h",
                summary=f"L'écart commence vers le {started:%d/%m/%Y à %H h} ; "
                f"alerte levée le {raised:%d/%m/%Y à %H h}.",
                markers=[(started, "Début estimé"), (raised, "Alerte")],
            )
    candidates = []
    drawing = None
    if alert.pipes:
        lengths = {
            link[0]: (link[5], link[4], link[6]) for link in alert.network.elements.get("links", [])
        }
        for rank, pipe in enumerate(alert.pipes, start=1):
            length, diameter, zone_code = lengths.get(pipe, (None, None, ""))
            candidates.append(
                {
                    "rank": rank,
                    "pipe": pipe,
                    "length_m": length,
                    "diameter_mm": diameter,
                    "zone": zone_code,
                }
            )
        drawing = network_service.schematic(
            alert.network, {p: f"candidate n° {i}" for i, p in enumerate(alert.pipes, start=1)}
        )
    pressure_sensors = network_service.pressure_sensors(alert.network)
    until = alert.repaired_at or _scada_now()
    if alert.network.imports.exists():
        last = alert.network.imports.order_by("-last_time").first().last_time
        until = min(until, last)
    lost = alert.lost_m3(until)
    context = {
        "alert": alert,
        "chart": chart,
        "lost_m3": round(lost),
        "lost_eur": round(lost * PRICE_EUR_M3),
        "until": until,
        "manager": has_capability(request.user, MANAGE),
        "statuses": AlertStatus,
        "candidates": candidates,
        "decisions": _decisions(alert),
        "drawing": drawing,
        "pressure_sensors": pressure_sensors,
        "model_kept": network_service.model_path(alert.network).exists(),
    }
    return render(request, "eau/alert.html", context)


def _scada_now() -> dt.datetime:
    """Now on the clock of the measures: the local wall time, kept like every SCADA time
    (naive local time stored as if UTC, shown with `localtime off`)."""
    return timezone.make_aware(timezone.localtime().replace(tzinfo=None), dt.UTC)


def _repair_time(text: str, alert: Alert):
    """The repair time the agent gave (local time of the measures, like the alert's), now
    when left empty; or the French reason it is refused."""
    text = text.strip()
    now = _scada_now()
    if not text:
        return now
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        return f"Date de réparation illisible « {text} » (attendu : JJ/MM/AAAA HH:MM)."
    value = timezone.make_aware(value.replace(tzinfo=None), dt.UTC)
    if value < alert.start_estimate:
        return (
            f"La réparation ({value:%d/%m/%Y %H:%M}) ne peut pas précéder le début estimé de "
            f"la fuite ({alert.start_estimate:%d/%m/%Y %H:%M})."
        )
    if value > now:
        return "La date de réparation est dans le futur."
    return value


def _parse_iso(text):
    try:
        return dt.datetime.fromisoformat(text) if text else None
    except ValueError:
        return None


def _decisions(alert: Alert) -> list[dict]:
    """The alert's history from the audit log: who changed its status, when, why."""
    from territoria.core.models import AuditLog

    labels = dict(AlertStatus.choices)
    rows = []
    entries = AuditLog.objects.filter(
        object_type=alert._meta.label_lower, object_id=str(alert.pk), action="update"
    ).order_by("at", "id")
    for entry in entries:
        status = entry.changes.get("status")
        if not status:
            continue
        reason = entry.changes.get("reason")
        rows.append(
            {
                "at": entry.at,
                "actor": entry.actor_label,
                "before": labels.get(status[0], status[0]),
                "after": labels.get(status[1], status[1]),
                "reason": reason[1] if reason else "",
                "repaired_at": _parse_iso((entry.changes.get("repaired_at") or [None, None])[1]),
            }
        )
    return rows


@require_POST
def alert_action(request, pk):
    _need(request, MANAGE)
    alert = get_object_or_404(Alert, pk=pk, network__in=visible_networks(request.user))
    action = request.POST.get("action")
    reason = request.POST.get("motif", "").strip()
    if _refuse_nul(request, reason, "Motif"):
        return redirect("eau:alert", pk=pk)
    if action == "confirmer":
        alert.status = AlertStatus.CONFIRMED
    elif action == "ecarter":
        if not reason:
            messages.error(request, "Indiquez pourquoi l'alerte est écartée.")
            return redirect("eau:alert", pk=pk)
        alert.status = AlertStatus.DISMISSED
    elif action == "reparee":
        repaired = _repair_time(request.POST.get("reparee_le", ""), alert)
        if isinstance(repaired, str):
            messages.error(request, repaired)
            return redirect("eau:alert", pk=pk)
        alert.status = AlertStatus.REPAIRED
        alert.repaired_at = repaired
    else:
        messages.error(request, "Action inconnue.")
        return redirect("eau:alert", pk=pk)
    alert.reason = reason
    alert.save()  # audited: who, when, what changed
    messages.success(request, f"Alerte {alert.get_status_display().lower()}.")
    return redirect("eau:alert", pk=pk)


def renewal(request):
    _need(request, VIEW)
    if request.method == "POST":
        _need(request, MANAGE)
        try:
            budget = float(request.POST.get("budget_km", "10").replace(",", "."))
        except ValueError:
            budget = -1
        if not 0 < budget <= 1000:
            messages.error(
                request, "Le budget doit être un nombre de kilomètres par an (0 à 1000)."
            )
            return redirect("eau:renewal")
        job = _start_job(request, "renewal", params={"budget_km": budget})
        return redirect("eau:job", pk=job.pk)
    job = Job.objects.filter(kind="renewal", status=JobStatus.DONE).first()
    from territoria.core.maps import MapPoint

    plan = job.result.get("plan", []) if job else []
    # Pipes that belong to a network imported in Lambert-93 / WGS 84 (and visible to the
    # user) are drawn along their course; the others at the mean place of their past breaks.
    traced = network_service.plan_shapes(plan, visible_networks(request.user))
    traced_names = {shape.label.split(" : canalisation ")[1].split(" (")[0] for shape in traced}
    points = [
        MapPoint(
            lat=row["lat"],
            lon=row["lon"],
            label=f"Rang {row['rank']} : canalisation {row['pipe']} ({row['year']})",
            detail=row["reasons"],
        )
        for row in plan
        if row.get("lat") is not None and str(row["pipe"]) not in traced_names
    ][:500]
    evaluation = job.result.get("evaluation") if job else None
    return render(
        request,
        "eau/renewal.html",
        {
            "job": job,
            "plan": plan[:200],
            "plan_count": len(plan),
            "plan_km": round(sum(row["length_m"] for row in plan) / 1000, 1),
            "mapped": len(points),
            "traced": len(traced),
            "map_items": traced[:2000] + points,
            "evaluation": evaluation,
            "reliability": _reliability(evaluation),
            "points": points,
            "manager": has_capability(request.user, MANAGE),
        },
    )


RELIABILITY_LABELS = {
    "blend": "Priorités : risque de casse × criticité (méthode du plan)",
    "risk": "Risque de casse seul (ensemble de 4 modèles)",
    "survival": "Modèle de survie seul",
    "past_breaks": "Les plus cassées d'abord",
    "age": "Les plus anciennes d'abord",
    "criticality": "Criticité seule",
    "model": "Gradient boosting",
    "random": "Au hasard",
}


def _reliability(evaluation: dict | None) -> list[dict]:
    """Rows of the reliability tables: the share of the unseen years' breaks on the top
    1/5/10/20 % of pipes, by count, and weighted by each break's consequence (priorities
    runs); an older run (boosted model) has only the first."""
    if not evaluation:
        return []
    rows = []
    if "methods" in evaluation:
        for name, label in RELIABILITY_LABELS.items():
            found = evaluation["methods"].get(name)
            if found:
                rows.append(
                    {
                        "name": name,
                        "label": label,
                        "count": [found["breaks"]["count"][c] for c in ("1", "5", "10", "20")],
                        "weighted": [
                            found["consequence_weighted"]["count"][c]
                            for c in ("1", "5", "10", "20")
                        ],
                    }
                )
    else:
        for name, found in evaluation.get("capture", {}).items():
            rows.append(
                {
                    "name": name,
                    "label": RELIABILITY_LABELS.get(name, name),
                    "count": [found["count"][c] for c in ("1", "5", "10", "20")],
                    "weighted": None,
                }
            )
    return rows


PLAN_COLUMNS = [
    ("rank", "rang"),
    ("pipe", "canalisation"),
    ("year", "annee"),
    ("priority", "priorite"),
    ("risk", "casses_attendues"),
    ("criticality", "criticite"),
    ("consequence", "consequence"),
    ("length_m", "longueur_m"),
    ("material", "materiau"),
    ("diameter_mm", "diametre_mm"),
    ("installed", "pose"),
    ("reasons", "raisons"),
    ("lat", "latitude"),
    ("lon", "longitude"),
]


def renewal_csv(request):
    _need(request, VIEW)
    job = Job.objects.filter(kind="renewal", status=JobStatus.DONE).first()
    if job is None:
        raise Http404
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="plan-renouvellement.csv"'
    writer = csv.writer(response)
    writer.writerow([header for _, header in PLAN_COLUMNS])
    for row in job.result.get("plan", []):
        writer.writerow([neutralise(row.get(key)) for key, _ in PLAN_COLUMNS])
    return response


def visible_samples(user):
    """The samples whose non-compliance `user` follows: their organisation's, and those of
    none (CLI imports). The results themselves are public; the follow-up is not."""
    from django.db.models import Q

    samples = QualitySample.objects.all()
    if getattr(user, "is_superuser", False):
        return samples
    organisation = getattr(user, "organisation_id", None)
    return samples.filter(Q(organisation__isnull=True) | Q(organisation_id=organisation))


def quality(request, commune: str | None = None):
    """Public: the results per commune (one commune's page at /qualite/commune/<nom>/);
    agents also see their non-compliance alerts and record the follow-up."""
    samples = QualitySample.objects.all().order_by("commune", "-sampled_at")
    names = sorted(set(samples.values_list("commune", flat=True)))
    if commune is not None:
        if commune not in names:
            raise Http404
        samples = samples.filter(commune=commune)
    communes = {}
    for sample in samples.only(
        "commune",
        "place",
        "sampled_at",
        "parameter",
        "value",
        "qualifier",
        "unit",
        "compliant",
        "verdict",
    ):
        communes.setdefault(sample.commune, []).append(sample)
    manager = has_capability(request.user, MANAGE)
    alerts = inconclusive = []
    if manager:
        # results whose limit of quantification lies above the threshold (« <0,5 » against
        # 0,1): not a breach, not a proof of compliance either — the service should know
        inconclusive = (
            visible_samples(request.user)
            .filter(compliant=True, verdict__startswith="non concluant")
            .order_by("-sampled_at")[:100]
        )
        alerts = (
            visible_samples(request.user)
            .filter(compliant=False)
            .select_related("handled_by")
            .order_by("handled_at", "-sampled_at")[:100]
        )
    return render(
        request,
        "eau/quality.html",
        {
            "communes": communes,
            "commune_names": names,
            "commune": commune,
            "limits": QualityLimit.objects.all() if commune is None else [],
            "manager": manager,
            "noncompliant": alerts,
            "inconclusive": inconclusive,
        },
    )


@require_POST
def quality_follow_up(request, pk):
    """An agent records what was done about a non-compliance (mandatory text). Audited."""
    from territoria.core.audit import write_entry

    _need(request, MANAGE)
    sample = get_object_or_404(visible_samples(request.user).filter(compliant=False), pk=pk)
    note = request.POST.get("suite", "").strip()
    if _refuse_nul(request, note, "Suite donnée"):
        return redirect(reverse("eau:quality") + "#alertes-qualite")
    if not note:
        messages.error(
            request,
            f"Suite donnée au résultat « {sample} » : dites ce qui a été fait (champ vide).",
        )
        return redirect(reverse("eau:quality") + "#alertes-qualite")
    with transaction.atomic():
        before = sample.handling_note
        sample.handling_note = note[:2000]
        sample.handled_at = timezone.now()
        sample.handled_by = request.user
        sample.save(update_fields=["handling_note", "handled_at", "handled_by", "updated_at"])
        write_entry(sample, "update", {"handling_note": [before, sample.handling_note]})
    messages.success(request, f"Suite enregistrée pour « {sample} ».")
    return redirect(reverse("eau:quality") + "#alertes-qualite")


@require_POST
def quality_import(request):
    _need(request, MANAGE)
    from territoria.eau import quality as quality_service

    upload = request.FILES.get("fichier")
    kind = request.POST.get("type", "resultats")
    if upload is None:
        messages.error(request, "Choisissez un fichier CSV.")
        return redirect("eau:quality")
    path = _upload_to_temp(upload)
    try:
        if kind == "limites":
            count = quality_service.import_limits(path)
            messages.success(
                request,
                f"{count_words(count, 'valeur réglementaire importée|f|valeurs réglementaires importées')} (à vérifier sur Légifrance).",
            )
        else:
            report: dict = {}
            count, bad = quality_service.import_samples(
                path, organisation=getattr(request.user, "organisation", None), report=report
            )
            skipped = quality_service.skipped_text(report)
            messages.success(
                request,
                f"{count_words(count, 'résultat importé|m|résultats importés')}, dont {count_words(bad, 'non-conformité|f')}"
                + (f" ; {skipped}." if skipped else "."),
            )
            if bad:
                messages.warning(
                    request,
                    f"{count_words(bad, 'résultat non conforme|m|résultats non conformes')} : les agents du service sont prévenus par courriel ; voir les alertes qualité.",
                )
    except quality_service.QualityError as error:
        messages.error(request, str(error))
    finally:
        path.unlink(missing_ok=True)
    return redirect("eau:quality")
