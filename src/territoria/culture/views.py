"""Pages of the observatory of access to culture (server-rendered, work without JavaScript;
htmx only refreshes the progress of jobs)."""

from __future__ import annotations

import csv
import hashlib
import uuid

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from territoria.core.csv_safety import neutralise
from territoria.core.maps import LegendEntry, MapShape, sequential_colour
from territoria.core.roles import has_capability
from territoria.culture import access, charts, geo, services
from territoria.culture.apps import EDIT, READ_DRAFTS
from territoria.culture.forms import ActionForm, ObservatoryForm, UploadForm
from territoria.culture.models import (
    Action,
    AttendanceSeries,
    Commune,
    CultureJob,
    Indicator,
    Observatory,
    Venue,
    VenueKind,
)
from territoria.culture.museums import FLAGS

ACTIVE = {"pending", "running"}
ACCESS_BREAKS = [1 / 7 * i for i in range(1, 7)]
MAP_LEGEND = [
    *(
        LegendEntry(
            f"scale-{i + 1}",
            f"indice {i / 7:.2f} – {(i + 1) / 7:.2f}".replace(".", ",")
            + (" (accès le plus faible)" if i == 0 else " (le meilleur)" if i == 6 else ""),
        )
        for i in range(7)
    ),
    LegendEntry("danger", "zone prioritaire"),
]


def _editor(request) -> bool:
    return has_capability(request.user, EDIT)


def _reader(request) -> bool:
    return has_capability(request.user, READ_DRAFTS)


def _require_editor(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not _editor(request):
        raise PermissionDenied("Réservé aux agents chargés de l'observatoire.")
    return None


def home_context(request) -> dict:
    return {"culture_observatories": Observatory.objects.filter(published=True)[:3]}


@require_http_methods(["GET", "POST"])
def index(request):
    form = None
    if _editor(request):
        form = ObservatoryForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            observatory = form.save()
            messages.success(request, f"Observatoire « {observatory.name} » créé (non publié).")
            return redirect(observatory)
    elif request.method == "POST":
        return _require_editor(request) or redirect("culture:index")
    observatories = (
        Observatory.objects.all()
        if _reader(request)
        else Observatory.objects.filter(published=True)
    )
    context = {
        "observatories": observatories,
        "form": form,
        "editor": _editor(request),
        "counts": {
            "communes": Commune.objects.count(),
            "venues": Venue.objects.count(),
            "series": AttendanceSeries.objects.count(),
        },
    }
    return render(request, "culture/index.html", context)


def _visible_observatory(request, slug) -> Observatory:
    observatory = get_object_or_404(Observatory, slug=slug)
    if not (observatory.published or _reader(request)):
        raise Http404
    return observatory


def _weights(request, observatory) -> dict:
    if any(f"poids_{key}" in request.GET for key in access.DEFAULT_WEIGHTS):
        return access.clean_weights(
            {key: request.GET.get(f"poids_{key}") for key in access.DEFAULT_WEIGHTS}
        )
    return access.clean_weights(observatory.weights)


def _access(request, observatory):
    communes = list(observatory.communes())
    indicator = request.GET.get("indicateur", "")
    direction = "bas" if request.GET.get("sens") == "bas" else "haut"
    return communes, access.compute_access(
        communes,
        weights=_weights(request, observatory),
        indicator=indicator,
        direction=direction,
        kinds=_kinds(request),
    )


def _kinds(request) -> tuple[str, ...]:
    """The venue types of the index (`?types=`), museums by default."""
    return tuple(k for k in request.GET.getlist("types") if k in VenueKind.values) or (
        VenueKind.MUSEE,
    )


@require_http_methods(["GET", "POST"])
def observatory(request, slug):
    observatory = _visible_observatory(request, slug)
    if request.method == "POST":
        denied = _require_editor(request)
        if denied:
            return denied
        what = request.POST.get("action")
        if what == "poids":
            observatory.weights = access.clean_weights(
                {k: request.POST.get(f"poids_{k}") for k in access.DEFAULT_WEIGHTS}
            )
            messages.success(request, "Poids de l'indice enregistrés.")
        elif what == "publier":
            observatory.published, observatory.published_at = True, timezone.now()
            messages.success(request, "Observatoire publié : la page est visible de tous.")
        elif what == "depublier":
            observatory.published = False
            messages.success(request, "Observatoire retiré de la publication.")
        observatory.save()
        return redirect(observatory)
    communes, result = _access(request, observatory)
    by_code = {c.code: c for c in communes}
    venues = _map_venues(communes)
    # The platform's map (Leaflet, core/maps.py): communes coloured by their access class,
    # priority areas in the alert colour, museums as markers. Without JavaScript the SVG
    # map drawn on the server is shown instead, from its own route (observatory_map, in a
    # <noscript> image): the outlines are sent once, not twice in every page.
    shapes = [
        MapShape(
            by_code[row.code].map_outline,
            row.name,
            detail=f"Indice {row.index:.2f} ; musée le plus proche à {row.nearest_km:.1f} km"
            + (f" — zone prioritaire : {row.reason}" if row.priority else ""),
            colour="danger" if row.priority else sequential_colour(row.index, ACCESS_BREAKS),
        )
        for row in result.rows
    ]
    codes = list(by_code)
    indicators = list(
        Indicator.objects.filter(commune_code__in=codes)
        .values_list("name", flat=True)
        .distinct()
        .order_by("name")
    )
    evaluations = services.visible_actions(request.user).filter(status=Action.Status.DONE)
    if not _reader(request):
        evaluations = evaluations.filter(published=True)
    direction = "bas" if request.GET.get("sens") == "bas" else "haut"
    population = sum(c.population or 0 for c in communes)
    distances = sorted(row.nearest_km for row in result.rows)
    context = {
        "observatory": observatory,
        "result": result,
        "editor": _editor(request),
        "map_items": [*shapes, *venues],
        "map_legend": MAP_LEGEND,
        "map_query": request.GET.urlencode(),
        "legend": charts.legend(),
        "components": [
            (key, label, result.weights[key]) for key, label in access.COMPONENTS.items()
        ],
        "indicators": indicators,
        "chosen_indicator": request.GET.get("indicateur", ""),
        "kinds": [
            (value, label, value in result.kinds)
            for value, label in VenueKind.choices
            if value in set(Venue.objects.values_list("kind", flat=True).distinct())
        ],
        "direction": "bas" if request.GET.get("sens") == "bas" else "haut",
        "correlation": access.correlation(result) if result.indicator else None,
        "iris": access.iris_access(codes, indicator=result.indicator or "", direction=direction),
        "evaluations": evaluations[:20],
        "summary": {
            "communes": len(communes),
            "population": population,
            "median_km": distances[len(distances) // 2] if distances else None,
            "far": sum(1 for d in distances if d > 10),
            "priorities": len(result.priorities),
        },
        "detour": access.DETOUR,
        "speed": access.SPEED_KMH,
    }
    return render(request, "culture/observatory.html", context)


def _map_venues(communes) -> list[dict]:
    """Museums on and around the territory (its outline's box, plus about 5 km)."""
    min_lon, min_lat, max_lon, max_lat = (
        geo.bounds(c.map_outline for c in communes) if communes else (0, 0, 0, 0)
    )
    return [
        {"lat": v.latitude, "lon": v.longitude, "label": f"{v.name} ({v.city})"}
        for v in Venue.objects.filter(
            latitude__gte=min_lat - 0.05,
            latitude__lte=max_lat + 0.05,
            longitude__gte=min_lon - 0.07,
            longitude__lte=max_lon + 0.07,
        )
    ]


MAP_MAX_AGE = 600  # seconds a browser or nginx may reuse the no-JavaScript map


def observatory_map(request, slug):
    """The observatory's map drawn on the server (SVG), for readers without JavaScript: the
    page shows it in a <noscript> image, so browsers running the interactive map never fetch
    it. Same query as the page (weights, venue types, indicator); same visibility (a draft's
    map is a 404 for anonymous readers). Cached: ETag (a hash of the drawing) answered by 304,
    and public for ten minutes when the observatory is published, private otherwise."""
    observatory = _visible_observatory(request, slug)
    communes, result = _access(request, observatory)
    by_code = {c.code: c for c in communes}
    features = [
        {
            "geometry": by_code[row.code].map_outline,
            "value": row.index,
            "priority": row.priority,
            "label": f"{row.name} : indice {row.index:.2f}, musée le plus proche à {row.nearest_km:.1f} km"
            + (" — zone prioritaire" if row.priority else ""),
        }
        for row in result.rows
    ]
    svg = charts.choropleth(
        features,
        _map_venues(communes),
        f"Carte de l'indice d'accès aux musées — {observatory.name}",
        standalone=True,
    )
    if not svg:  # a territory without communes has no map
        raise Http404
    body = svg.encode()
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    scope = "public" if observatory.published else "private"
    if etag in {t.strip() for t in request.headers.get("If-None-Match", "").split(",")}:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="image/svg+xml; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = f"{scope}, max-age={MAP_MAX_AGE}"
    response["Vary"] = "Cookie"
    return response


# --- The IRIS map -------------------------------------------------------------------------------

# Classes of the distance (km) from an IRIS's centre to the nearest venue of the chosen type:
# near → far, coloured from the dark end of the scale (scale-7) to the bright one (scale-1),
# so that on both maps of the observatory the bright colours mean the poorest access (on the
# commune map scale-1 is the lowest index).
IRIS_DISTANCE_BREAKS = (2.0, 5.0, 10.0, 20.0)
IRIS_DISTANCE_TOKENS = ("scale-7", "scale-5", "scale-4", "scale-2", "scale-1")
IRIS_DISTANCE_LABELS = ("moins de 2 km", "2 à 5 km", "5 à 10 km", "10 à 20 km", "20 km ou plus")


def iris_distance_class(km: float) -> int:
    """0 (nearest class) … 4 (farthest) for the limits IRIS_DISTANCE_BREAKS."""
    return sum(km >= limit for limit in IRIS_DISTANCE_BREAKS)


def _iris_map(request, observatory, with_index: bool = True):
    """The observatory's IRIS with their distance to the nearest venue of the chosen type
    (`?lieu=`, museums by default when there are), priority IRIS marked, and the composite
    index per IRIS (same query as the commune page: weights, types, indicator)."""
    from territoria.culture.models import Iris

    communes = list(observatory.communes())
    codes = [c.code for c in communes]
    indicator = request.GET.get("indicateur", "")
    direction = "bas" if request.GET.get("sens") == "bas" else "haut"
    found = access.iris_access(codes, indicator=indicator, direction=direction)
    kinds = [k for k, _ in found["kinds"]]
    chosen = request.GET.get("lieu", "")
    if chosen not in kinds:
        chosen = VenueKind.MUSEE if VenueKind.MUSEE in kinds else (kinds[0] if kinds else "")
    zones = {z.code: z for z in Iris.objects.filter(commune_code__in=codes)}
    label = dict(VenueKind.choices).get(chosen, "lieu").lower()
    features = []
    for row in found["rows"]:
        distance = next((d for d in row.distances if d["kind"] == chosen), None)
        if distance is None:
            continue
        k = iris_distance_class(distance["km"])
        text = (
            f"{row.name} ({row.code}, {row.commune}) : {label} le plus proche à "
            f"{distance['km']:.1f} km à vol d'oiseau ({distance['venue']}), classe "
            f"« {IRIS_DISTANCE_LABELS[k]} »".replace(".", ",")
            + (f" — IRIS prioritaire : {row.reason}" if row.priority else "")
        )
        features.append((zones[row.code], row, distance, k, text))
    # The outlines drawn: simplified together (no gap between neighbours), as the communes'
    # are at import; the full outline when they do not form a clean coverage.
    simplified = geo.simplify_coverage({zone.code: zone.geometry for zone, *_ in features})
    features = [(*item, simplified.get(item[0].code) or item[0].geometry) for item in features]
    if not with_index:  # the SVG route draws the distances only
        return found, chosen, label, features, None
    index = access.iris_index(
        codes,
        weights=_weights(request, observatory),
        kinds=_kinds(request),
        indicator=indicator,
        direction=direction,
    )
    return found, chosen, label, features, index


def _iris_legend(label: str) -> list[LegendEntry]:
    return [
        *(
            LegendEntry(token, f"{label} le plus proche à {text}")
            for token, text in zip(IRIS_DISTANCE_TOKENS, IRIS_DISTANCE_LABELS, strict=True)
        ),
        LegendEntry("danger", "IRIS prioritaire (point au centre de l'IRIS)"),
    ]


def observatory_iris(request, slug):
    """The observatory's IRIS on the platform's map, coloured by the distance to the nearest
    venue of a type (legend with classes), priority IRIS marked; the composite index per
    IRIS in a table. Without JavaScript: the same map drawn on the server (SVG route)."""
    observatory = _visible_observatory(request, slug)
    found, chosen, label, features, index = _iris_map(request, observatory)
    items = [
        MapShape(outline, f"{row.name} ({row.code})", detail=text, colour=IRIS_DISTANCE_TOKENS[k])
        for _, row, _, k, text, outline in features
    ]
    # Priority IRIS: a disc in the alert colour at the IRIS's centre, over its distance colour.
    items += [
        {
            "lat": zone.latitude,
            "lon": zone.longitude,
            "label": f"IRIS prioritaire : {row.name} ({row.code})",
            "detail": row.reason,
            "colour": "danger",
        }
        for zone, row, *_ in features
        if row.priority
    ]
    context = {
        "observatory": observatory,
        "iris": found,
        "features": features,
        "chosen": chosen,
        "chosen_label": label,
        "map_items": items,
        "map_legend": _iris_legend(label),
        "svg_legend": [
            {"colour": charts.PALETTE[4 - k], "label": f"{label} le plus proche à {text}"}
            for k, text in enumerate(IRIS_DISTANCE_LABELS)
        ],
        "map_query": request.GET.urlencode(),
        "index": index,
        "components": [(key, text, index.weights[key]) for key, text in access.COMPONENTS.items()],
        "editor": _editor(request),
    }
    return render(request, "culture/observatory_iris.html", context)


def observatory_iris_map(request, slug):
    """The IRIS map drawn on the server (SVG) for readers without JavaScript: the same
    classes as the interactive map (5 colours of the choropleth palette, the farthest class
    lightest, as on the commune SVG map), priority IRIS bordered in red, each IRIS with its text in a <title>. Same
    visibility and cache rules as the commune map."""
    observatory = _visible_observatory(request, slug)
    _, _, label, features, _ = _iris_map(request, observatory, with_index=False)
    svg = charts.choropleth(
        [
            {
                "geometry": outline,
                # class k (0 nearest … 4 farthest) → palette colour 4 - k: the farthest in the
                # lightest colour, as the lowest access index on the commune SVG map
                "value": (4 - k + 0.5) / 5,
                "priority": row.priority,
                "label": text,
            }
            for _, row, _, k, text, outline in features
        ],
        [],
        f"Carte des IRIS : distance au {label} le plus proche — {observatory.name}",
        standalone=True,
    )
    if not svg:
        raise Http404
    body = svg.encode()
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    if etag in {t.strip() for t in request.headers.get("If-None-Match", "").split(",")}:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type="image/svg+xml; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = (
        f"{'public' if observatory.published else 'private'}, max-age={MAP_MAX_AGE}"
    )
    response["Vary"] = "Cookie"
    return response


def observatory_csv(request, slug):
    observatory = _visible_observatory(request, slug)
    _, result = _access(request, observatory)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="acces-culture-{observatory.slug}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "code",
            "commune",
            "population",
            "distance_km",
            "route_estimee_km",
            "minutes_estimees",
            "lieu_le_plus_proche",
            "lieux_15km",
            "offre_100k_hab",
            "tendance_pct_an",
            "indice",
            "rang",
            "prioritaire",
            "raison",
            "reseau_km",
            "reseau_minutes",
            "reseau_lieu",
            "reseau_remarque",
            "transports_minutes",
            "transports_lieu",
            "transports_remarque",
        ]
    )
    for r in result.rows:
        writer.writerow(
            [
                neutralise(v)
                for v in (
                    r.code,
                    r.name,
                    r.population,
                    f"{r.nearest_km:.2f}",
                    f"{r.road_km:.2f}",
                    f"{r.minutes:.1f}",
                    r.nearest_name,
                    r.venues_within,
                    f"{r.offer_per_100k:.2f}",
                    "" if r.trend_pct is None else f"{r.trend_pct:.2f}",
                    f"{r.index:.4f}",
                    r.rank,
                    "oui" if r.priority else "non",
                    r.reason,
                    "" if r.network_km is None else f"{r.network_km:.2f}",
                    "" if r.network_minutes is None else f"{r.network_minutes:.1f}",
                    r.network_name,
                    r.network_reason,
                    "" if r.transit_minutes is None else f"{r.transit_minutes:.1f}",
                    r.transit_name,
                    r.transit_reason,
                )
            ]
        )
    return response


def observatory_iris_csv(request, slug):
    """The IRIS table of the observatory page: distance to the nearest venue of each type."""
    observatory = _visible_observatory(request, slug)
    codes = list(observatory.communes().values_list("code", flat=True))
    direction = "bas" if request.GET.get("sens") == "bas" else "haut"
    found = access.iris_access(codes, request.GET.get("indicateur", ""), direction)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="acces-iris-{observatory.slug}.csv"'
    writer = csv.writer(response)
    head = ["code_iris", "iris", "commune", "population"]
    for kind, _label in found["kinds"]:
        head += [
            f"{kind}_km",
            f"{kind}_route_estimee_km",
            f"{kind}_minutes_estimees",
            f"{kind}_lieu",
        ]
    tail = [
        f"{kind}_{what}"
        for kind, _ in found["kinds"]
        for what in ("reseau_km", "reseau_minutes", "transports_minutes")
    ]
    writer.writerow([*head, "indicateur", "prioritaire", "raison", *tail])
    for r in found["rows"]:
        cells = [r.code, r.name, r.commune, r.population]
        for d in r.distances:
            cells += [f"{d['km']:.2f}", f"{d['road_km']:.2f}", f"{d['minutes']:.1f}", d["venue"]]
        cells += [
            "" if r.indicator is None else r.indicator,
            "oui" if r.priority else "non",
            r.reason,
        ]
        for d in r.distances:
            cells += [
                "" if d["network_km"] is None else f"{d['network_km']:.2f}",
                "" if d["network_minutes"] is None else f"{d['network_minutes']:.1f}",
                "" if d["transit_minutes"] is None else f"{d['transit_minutes']:.1f}",
            ]
        writer.writerow([neutralise(v) for v in cells])
    return response


def series_list(request):
    departements = (
        AttendanceSeries.objects.values("departement", "departement_label")
        .annotate(n=Count("pk"))
        .order_by("departement")
    )
    chosen = request.GET.get("departement") or (
        "76" if AttendanceSeries.objects.filter(departement="76").exists() else ""
    )
    flagged = request.GET.get("signales") == "1"
    series = AttendanceSeries.objects.filter(departement=chosen).select_related("venue")
    if flagged:
        series = series.exclude(flags=[])
    rows = [{"series": s, "flags": [FLAGS.get(f, f) for f in s.flags]} for s in series]
    return render(
        request,
        "culture/series_list.html",
        {"departements": departements, "chosen": chosen, "rows": rows, "flagged": flagged},
    )


def series(request, ref):
    found = get_object_or_404(AttendanceSeries.objects.select_related("venue"), ref=ref)
    years = [
        {"row": a, "flags": [FLAGS.get(f, f) for f in a.flags]}
        for a in found.years.order_by("year", "line")
    ]
    chart = charts.yearly_bars(
        [
            {
                "year": a["row"].year,
                "paying": a["row"].paying,
                "free": a["row"].free,
                "total": a["row"].total,
                "flagged": bool(a["flags"]),
            }
            for a in years
        ],
        f"Entrées annuelles, payantes et gratuites — {found.name}",
    )
    return render(
        request,
        "culture/series.html",
        {
            "series": found,
            "years": years,
            "chart": chart,
            "flags": [FLAGS.get(f, f) for f in found.flags],
        },
    )


@require_http_methods(["GET", "POST"])
def actions(request):
    form = None
    if request.method == "POST":
        denied = _require_editor(request)
        if denied:
            return denied
    if _editor(request):
        form = ActionForm(request.POST or None, initial={"first_year": 2008, "last_year": 2018})
        if request.method == "POST" and form.is_valid():
            action = form.save(commit=False)
            action.created_by = request.user
            action.status = Action.Status.PENDING
            action.save()
            services.queue(
                "evaluation",
                f"Évaluation : {action.name}",
                {"action": str(action.pk)},
                request.user,
            )
            messages.success(request, "Évaluation lancée en arrière-plan.")
            return redirect(action)
    listing = services.visible_actions(request.user)
    return render(
        request,
        "culture/actions.html",
        {"actions": listing, "form": form, "editor": _editor(request)},
    )


@require_http_methods(["GET", "POST"])
def action(request, pk):
    found = get_object_or_404(services.visible_actions(request.user), pk=pk)
    if request.method == "POST":
        denied = _require_editor(request)
        if denied:
            return denied
        found.published = (
            request.POST.get("action") == "publier" and found.status == Action.Status.DONE
        )
        found.save(update_fields=["published", "updated_at"])
        messages.success(
            request,
            "Évaluation publiée sur l'observatoire."
            if found.published
            else "Évaluation retirée de la publication.",
        )
        return redirect(found)
    context = {
        "action": found,
        "editor": _editor(request),
        "running": found.status in ACTIVE,
        "percent": round(found.progress * 100),
    }
    result = found.result or {}
    if found.status == Action.Status.DONE and "event_study" in result:
        events = result["event_study"]
        context["event_chart"] = charts.line_chart(
            events["years"],
            [
                {
                    "values": events["beta"],
                    "label": "Écart concernés − comparaison",
                    "colour": "#253494",
                }
            ],
            "Écart de fréquentation (log) entre musées concernés et de comparaison, par année, avec sa bande de confiance à 95 %",
            band=(events["low"], events["high"]),
            marker_year=result["start_year"],
            zero_line=True,
            y_label="écart en log des entrées (0 = même évolution depuis l'année de base)",
        )
        context["paths_chart"] = charts.line_chart(
            events["years"],
            [
                {
                    "values": events["treated_mean"],
                    "label": "Musées concernés",
                    "colour": "#b10026",
                },
                {
                    "values": events["control_mean"],
                    "label": "Musées de comparaison",
                    "colour": "#2c7fb8",
                    "dash": True,
                },
            ],
            "Fréquentation moyenne (log des entrées) des musées concernés et des musées de comparaison",
            marker_year=result["start_year"],
            y_label="log des entrées annuelles",
        )
        context["event_rows"] = list(
            zip(events["years"], events["beta"], events["low"], events["high"], strict=True)
        )
    template = (
        "culture/_action_status.html"
        if request.headers.get("HX-Request")
        else "culture/action.html"
    )
    return render(request, template, context)


FLAGGED_VENUES_SHOWN = 200


@require_http_methods(["GET", "POST"])
def imports(request):
    denied = _require_editor(request)
    if denied:
        return denied
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if request.POST.get("action") == "partage":
            folder = services.shared_culture_dir()
            job = services.queue(
                "import-dossier",
                "Import des données partagées",
                {"folder": str(folder)},
                request.user,
            )
            return redirect(job)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            path = default_storage.save(f"culture/uploads/{uuid.uuid4().hex}", upload)
            kind = form.cleaned_data["kind"]
            job = services.queue(
                "import-fichier",
                f"Import : {upload.name}",
                {"kind": kind, "name": upload.name[:200], "path": path},
                request.user,
            )
            return redirect(job)
    jobs = CultureJob.objects.filter(Q(kind__startswith="import"))[:20]
    flagged = Venue.objects.exclude(flags=[]).order_by("kind", "name")
    return render(
        request,
        "culture/imports.html",
        {
            "form": form,
            "jobs": jobs,
            "flagged_venues": flagged[:FLAGGED_VENUES_SHOWN],
            "flagged_count": flagged.count(),
        },
    )


def job(request, pk):
    denied = _require_editor(request)
    if denied:
        return denied
    found = get_object_or_404(CultureJob, pk=pk)
    context = {
        "job": found,
        "running": found.status in ACTIVE,
        "percent": round(found.progress * 100),
    }
    template = (
        "culture/_job_status.html" if request.headers.get("HX-Request") else "culture/job.html"
    )
    return render(request, template, context)
