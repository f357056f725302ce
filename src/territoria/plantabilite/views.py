"""Pages of the planting-feasibility layer (French UI, works without JavaScript)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.db.models import Sum
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from territoria.core.templatetags.french import accord, count_words
from territoria.plantabilite import computing, mapping, needs, plantings, sites, tiles, zones
from territoria.plantabilite.factors import BY_KEY, FACTORS, UNDERGROUND, lyon_weights
from territoria.plantabilite.forms import (
    AgreementForm,
    ComputationForm,
    LayerUploadForm,
    NeedUploadForm,
    PlantingForm,
    PlantingImportForm,
    ProfileEditForm,
    ProfileForm,
    SensitivityForm,
    SitesForm,
    ZoneDrawForm,
    ZoneImportForm,
)
from territoria.plantabilite.importing import LayerError, import_file, import_osm
from territoria.plantabilite.models import (
    Agreement,
    Computation,
    Planting,
    PlantingZone,
    Territory,
    WeightProfile,
)
from territoria.plantabilite.permissions import abilities, can_manage
from territoria.plantabilite.tasks import run_computation

ALL_UNDERGROUND = "reseaux_enterres"


def home_context(request) -> dict:
    return {"plantabilite_territories": Territory.objects.count()}


def _manager_or_404(request, territory):
    if not can_manage(request.user, territory):
        raise Http404


def _visible(request, computation: Computation) -> bool:
    return computation.public or can_manage(request.user, computation.territory)


def _computation(request, pk) -> Computation:
    computation = get_object_or_404(Computation.objects.select_related("territory"), pk=pk)
    if not _visible(request, computation):
        raise Http404
    return computation


def legend():
    return [
        {
            "classe": c,
            "rgb": "#{:02x}{:02x}{:02x}".format(*computing.PALETTE[c]),
            "label": computing.CLASS_LABELS.get(c, ""),
        }
        for c in range(11)
    ]


def index(request):
    territories = Territory.objects.all()
    return render(request, "plantabilite/index.html", {"territories": territories})


def territory_page(request, slug):
    territory = get_object_or_404(Territory, slug=slug)
    rights = abilities(request.user, territory)
    computation = territory.latest_public()
    if rights["manage"] and request.GET.get("calcul"):
        computation = get_object_or_404(
            territory.computations, pk=request.GET["calcul"], state="done"
        )
    context = {
        "territory": territory,
        "rights": rights,
        "computation": computation,
        "legend": legend(),
    }
    if computation is not None:
        result = computing.load(computation)
        context["scale"] = image_scale(computation)
        x, y = _clicked(request, result.grid)
        if x is not None:
            context["cell"] = computing.explain(
                computation, result, x, y, insider=rights["view_restricted"]
            )
            context["cell_asked"] = True
        context["shapes"] = mapping.cached_bands(computation, result)
        context["map_legend"] = mapping.legend()
        cells = computation.stats.get("cells") or 1
        context["classes"] = [
            {"classe": c, "count": n, "share": 100 * n / cells, **legend()[c]}
            for c, n in enumerate(computation.stats.get("classes", []))
        ]
    planted = territory.plantings.aggregate(n=Sum("trees"))["n"] or 0
    context["planted"] = planted
    context["planted_percent"] = (
        100 * planted / territory.target_trees if territory.target_trees else 0
    )
    return render(request, "plantabilite/territory.html", context)


def image_scale(computation) -> int:
    """Screen pixels per cell of the map image: small territories are shown twice as big."""
    rows, cols = (computation.stats.get("shape") or [0, 0])[:2]
    return 2 if max(rows, cols) <= 450 else 1


def _clicked(request, grid):
    """(x, y) of the cell asked: typed coordinates, or a click on the image (carte.x, carte.y
    are pixels of the image, one pixel per cell — the form works without JavaScript)."""
    try:
        if "carte.x" in request.GET:
            scale = min(4, max(1, int(request.GET.get("echelle", "1"))))
            col, row = int(request.GET["carte.x"]) // scale, int(request.GET["carte.y"]) // scale
            return grid.cell_center(row, col)
        if request.GET.get("x") and request.GET.get("y"):
            return float(request.GET["x"].replace(",", ".")), float(
                request.GET["y"].replace(",", ".")
            )
    except (TypeError, ValueError):
        pass
    return None, None


def layers_page(request, slug):
    territory = get_object_or_404(Territory, slug=slug)
    rights = abilities(request.user, territory)
    layers = territory.layers.all()
    if not rights["view_restricted"]:
        layers = layers.filter(restricted=False)
    form = LayerUploadForm()
    if request.method == "POST":
        _manager_or_404(request, territory)
        form = LayerUploadForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            upload = data["fichier"]
            suffix = (
                "".join(Path(upload.name).suffixes[-2:])
                if upload.name.endswith(".osm.pbf")
                else Path(upload.name).suffix
            )
            with tempfile.TemporaryDirectory(dir=settings.FILE_UPLOAD_TEMP_DIR) as folder:
                path = Path(folder) / f"couche{suffix}"
                with open(path, "wb") as handle:
                    handle.writelines(upload.chunks())
                try:
                    if upload.name.lower().endswith(".pbf"):
                        found = import_osm(
                            territory,
                            path,
                            owner=data["detenteur"],
                            source_date=data["date"],
                            restricted=data["restreinte"],
                            imported_by=request.user,
                        )
                        summary = (
                            f"{count_words(len(found), 'couche|f')} OpenStreetMap "
                            f"importée{accord(len(found))}."
                        )
                    else:
                        layer = import_file(
                            territory,
                            path,
                            name=data["nom"],
                            factor=data["facteur"],
                            owner=data["detenteur"],
                            buffer_m=data["tampon"],
                            declared_crs=data["crs"],
                            source_name=upload.name,
                            provenance=data["provenance"],
                            source_date=data["date"],
                            restricted=data["restreinte"],
                            imported_by=request.user,
                        )
                        summary = (
                            f"Couche « {layer.name} » importée : "
                            f"{count_words(layer.feature_count, 'objet')}"
                            + (
                                f", {count_words(layer.repaired_count, 'géométrie|f')} "
                                f"réparée{accord(layer.repaired_count)}"
                                if layer.repaired_count
                                else ""
                            )
                            + "."
                        )
                except LayerError as error:
                    form.add_error("fichier", str(error))
                else:
                    messages.success(request, summary)
                    return redirect("plantabilite:layers", slug=territory.slug)
    return render(
        request,
        "plantabilite/layers.html",
        {
            "territory": territory,
            "rights": rights,
            "layers": layers,
            "form": form,
        },
    )


@require_POST
def delete_layer(request, slug, pk):
    """Remove a layer (to replace it: the next computation redoes only its factor)."""
    territory = get_object_or_404(Territory, slug=slug)
    _manager_or_404(request, territory)
    layer = get_object_or_404(territory.layers, pk=pk)
    layer.delete()
    messages.success(request, f"Couche « {layer.name} » supprimée.")
    return redirect("plantabilite:layers", slug=territory.slug)


@require_POST
def load_helsinki(request, slug):
    territory = get_object_or_404(Territory, slug=slug)
    _manager_or_404(request, territory)
    from territoria.plantabilite.osm import helsinki_extract

    try:
        layers = import_osm(
            territory, helsinki_extract(), imported_by=request.user, source_date=None
        )
    except (LayerError, FileNotFoundError) as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"{count_words(len(layers), 'couche|f')} OpenStreetMap importée{accord(len(layers))}.",
        )
    return redirect("plantabilite:layers", slug=territory.slug)


def profiles_page(request, slug):
    """Profiles side by side (with Lyon's published weights as reference), each profile's
    versions (who changed which weight, when, why), the concertation (who agreed which
    weights, on which version, and whether the agreement still holds), and what each profile
    would change on the latest computation."""
    territory = get_object_or_404(Territory, slug=slug)
    _manager_or_404(request, territory)
    profiles = list(territory.profiles.prefetch_related("agreements", "versions"))
    base = profiles[-1] if profiles else None
    form = ProfileForm(
        initial={"nom": "", "description": ""}, weights=base.weights if base else None
    )
    editing = None
    if request.GET.get("modifier"):
        editing = get_object_or_404(territory.profiles, pk=request.GET["modifier"])
    edit_form = ProfileEditForm(profile=editing, prefix="modif") if editing else None
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "profil":
        form = ProfileForm(request.POST)
        if form.is_valid():
            name = form.cleaned_data["nom"]
            if territory.profiles.filter(name=name).exists():
                form.add_error("nom", "Un profil porte déjà ce nom.")
            else:
                profile = WeightProfile(
                    territory=territory,
                    name=name,
                    description=form.cleaned_data["description"],
                    weights=form.weights(),
                )
                profile._changed_by = request.user
                profile.save()
                messages.success(request, f"Profil « {name} » enregistré (version 1).")
                return redirect("plantabilite:profiles", slug=slug)
    if action == "modifier":
        editing = get_object_or_404(territory.profiles, pk=request.POST.get("profil"))
        edit_form = ProfileEditForm(request.POST, profile=editing, prefix="modif")
        if edit_form.is_valid():
            editing.weights = edit_form.weights()
            editing._changed_by = request.user
            editing._change_note = edit_form.cleaned_data["motif"]
            editing.save()
            messages.success(
                request, f"Profil « {editing.name} » modifié : version {editing.version}."
            )
            return redirect("plantabilite:profiles", slug=slug)
    agreement_form = AgreementForm()
    if action == "accord":
        profile = get_object_or_404(territory.profiles, pk=request.POST.get("profil"))
        agreement_form = AgreementForm(request.POST)
        if agreement_form.is_valid():
            data = agreement_form.cleaned_data
            scope = data["facteurs"]
            Agreement.objects.create(
                profile=profile,
                version=profile.version,
                factors=scope,
                party=data["partie"],
                person=data["personne"],
                agreed_on=data["date"],
                note=data["remarque"],
                weights={k: v for k, v in profile.weights.items() if not scope or k in scope},
                recorded_by=request.user,
            )
            messages.success(
                request,
                f"Accord de {data['partie']} enregistré sur la version {profile.version} "
                f"du profil « {profile.name} ».",
            )
            return redirect("plantabilite:profiles", slug=slug)
    lyon = lyon_weights()
    rows = [
        {
            "factor": f,
            "underground": f.key in UNDERGROUND,
            "lyon": lyon[f.key],
            "weights": [
                {
                    "value": p.weights.get(f.key, 0),
                    "differs": p.weights.get(f.key, 0) != lyon[f.key],
                }
                for p in profiles
            ],
        }
        for f in FACTORS
    ]
    return render(
        request,
        "plantabilite/profiles.html",
        {
            "territory": territory,
            "profiles": [
                {
                    "profile": p,
                    "history": profile_history(p),
                    "agreements": [(a, a.drift()) for a in p.agreements.all()],
                }
                for p in profiles
            ],
            "profile_choices": profiles,
            "rows": rows,
            "form": form,
            "edit_form": edit_form,
            "editing": editing,
            "agreement_form": agreement_form,
            "comparison": compare_profiles(territory, profiles),
        },
    )


def profile_history(profile) -> list[dict]:
    """The profile's versions, newest first, each with the weights it changed."""
    versions = sorted(profile.versions.all(), key=lambda v: v.number)
    history, previous = [], None
    for version in versions:
        changes = (
            [
                {
                    "factor": f.label,
                    "before": previous.weights.get(f.key, 0),
                    "after": version.weights.get(f.key, 0),
                }
                for f in FACTORS
                if previous.weights.get(f.key, 0) != version.weights.get(f.key, 0)
            ]
            if previous
            else []
        )
        history.append({"version": version, "changes": changes})
        previous = version
    return history[::-1]


def compare_profiles(territory, profiles) -> dict | None:
    """On the latest public computation's cover shares: how many cells each profile would put
    in another class than the computation's own weights."""
    computation = territory.latest_public()
    if computation is None or not profiles:
        return None
    from territoria.plantabilite import engine

    try:
        result = computing.load(computation)
    except FileNotFoundError:
        return None
    # The computation's own classes, computed once; one scoring per profile.
    inside = result.inside
    cells = result.cells
    before = engine.result_from_shares(
        result.grid, result.shares, computation.weights, inside
    ).classes
    rows = []
    for profile in profiles:
        after = engine.result_from_shares(
            result.grid, result.shares, profile.weights, inside
        ).classes
        moved = before != after
        rows.append(
            {
                "profile": profile,
                "changed": int(moved.sum()),
                "share": 100 * float(moved.sum()) / cells if cells else 0.0,
                "up": int((after > before).sum()),
                "down": int((after < before).sum()),
            }
        )
    return {"computation": computation, "rows": rows}


def computations_page(request, slug):
    territory = get_object_or_404(Territory, slug=slug)
    _manager_or_404(request, territory)
    initial = {}
    if request.GET.get("zone"):
        initial["zone"] = get_object_or_404(territory.zones, pk=request.GET["zone"])
    form = ComputationForm(territory=territory, initial=initial)
    if request.method == "POST":
        form = ComputationForm(request.POST, territory=territory)
        if not territory.layers.exists():
            form.add_error(None, "Importez d'abord au moins une couche.")
        if form.is_valid():
            area = form.area() or territory.extent
            # A zone: the rectangle around it is computed, masked to the polygon.
            zone = form.cleaned_data.get("zone")
            profile = form.cleaned_data["profil"]
            computation = Computation.objects.create(
                territory=territory,
                profile=profile,
                weights=profile.weights,
                profile_version=profile.version,
                xmin=area[0],
                ymin=area[1],
                xmax=area[2],
                ymax=area[3],
                zone_wkb=zone.geometry_wkb if zone is not None else None,
                zone_name=zone.name if zone is not None else "",
                public=form.cleaned_data["publique"],
                requested_by=request.user,
            )
            run_computation.enqueue(str(computation.pk))
            return redirect(computation)
    return render(
        request,
        "plantabilite/computations.html",
        {
            "territory": territory,
            "form": form,
            "computations": territory.computations.select_related("profile")[:20],
        },
    )


def computation_page(request, pk):
    computation = get_object_or_404(
        Computation.objects.select_related("territory", "profile"), pk=pk
    )
    _manager_or_404(request, computation.territory)
    template = (
        "plantabilite/_computation_status.html"
        if request.headers.get("HX-Request")
        else "plantabilite/computation.html"
    )
    context = {"computation": computation, "territory": computation.territory}
    if computation.state == Computation.State.DONE:
        context["sensitivity_form"] = SensitivityForm(request.GET or None)
        context["factor_choices"] = [(ALL_UNDERGROUND, "Tous les réseaux enterrés")] + [
            (f.key, f"{f.label} ({computation.weights.get(f.key, 0):+d})") for f in FACTORS
        ]
        if request.GET.get("facteur"):
            context["sensitivity"] = _sensitivity(computation, request.GET)
    return render(request, template, context)


def _changed_weights(computation, params) -> dict[str, int] | None:
    try:
        weight = int(params.get("poids", ""))
    except ValueError:
        return None
    if not -5 <= weight <= 3:
        return None
    key = params.get("facteur")
    if key == ALL_UNDERGROUND:
        return {k: weight for k in UNDERGROUND}
    return {key: weight} if key in BY_KEY else None


def _sensitivity(computation, params):
    changed = _changed_weights(computation, params)
    if changed is None:
        return {"error": "Choisissez un facteur et un poids entier entre −5 et +3."}
    from territoria.plantabilite import engine

    result = computing.load(computation)
    report = engine.sensitivity(
        result.grid, result.shares, computation.weights, changed, result.inside
    )
    report.pop("before"), report.pop("after")
    report["changed_share"] *= 100
    report["query"] = params.urlencode()
    report["labels"] = ", ".join(BY_KEY[k].label for k in changed)
    return report


def sensitivity_png(request, pk):
    computation = _computation(request, pk)
    _manager_or_404(request, computation.territory)
    changed = _changed_weights(computation, request.GET)
    if changed is None:
        raise Http404
    from territoria.plantabilite import engine

    result = computing.load(computation)
    report = engine.sensitivity(
        result.grid, result.shares, computation.weights, changed, result.inside
    )
    moved = report["before"] != report["after"]
    return HttpResponse(computing.png(report["after"], moved), content_type="image/png")


def map_png(request, pk):
    computation = _computation(request, pk)
    if computation.state != Computation.State.DONE:
        raise Http404
    return HttpResponse(
        computing.png(computing.load(computation).classes), content_type="image/png"
    )


def geotiff(request, pk):
    computation = _computation(request, pk)
    path = computation.folder / "plantabilite.tif"
    if not path.exists():
        raise Http404
    return FileResponse(
        open(path, "rb"),
        as_attachment=True,
        filename=f"plantabilite-{computation.territory.slug}.tif",
        content_type="image/tiff",
    )


def geopackage(request, pk):
    computation = _computation(request, pk)
    if computation.state != Computation.State.DONE:
        raise Http404
    path = tiles.classes_geopackage(computation)
    return FileResponse(
        open(path, "rb"),
        as_attachment=True,
        filename=f"plantabilite-{computation.territory.slug}.gpkg",
        content_type="application/geopackage+sqlite3",
    )


def tile(request, pk, z, x, y):
    computation = _computation(request, pk)
    if computation.state != Computation.State.DONE or z > 22:
        raise Http404
    data = tiles.tile_png(computation, z, x, y)
    response = HttpResponse(data, content_type="image/png")
    response["Cache-Control"] = "public, max-age=3600"
    return response


def sites_page(request, slug):
    territory = get_object_or_404(Territory, slug=slug)
    rights = abilities(request.user, territory)
    computation = territory.latest_public()
    form = SitesForm(request.GET or None)
    found = None
    if computation is not None and request.GET and form.is_valid():
        found = _sites(computation, form)
        fmt = request.GET.get("format")
        if fmt == "csv":
            response = HttpResponse(sites.to_csv(found), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="sites-de-plantation.csv"'
            return response
        if fmt == "geojson":
            response = HttpResponse(sites.to_geojson(found), content_type="application/geo+json")
            response["Content-Disposition"] = 'attachment; filename="sites-de-plantation.geojson"'
            return response
    planting_form = PlantingForm()
    import_form = PlantingImportForm()
    if request.method == "POST" and "importer" in request.POST:
        _manager_or_404(request, territory)
        import_form = PlantingImportForm(request.POST, request.FILES)
        if import_form.is_valid():
            upload = import_form.cleaned_data["fichier"]
            try:
                found = plantings.read(
                    upload.read(plantings.MAX_BYTES + 1),
                    upload.name,
                    territory,
                    import_form.cleaned_data["crs"],
                )
            except LayerError as error:
                for line in str(error).splitlines():  # one error per refused line
                    import_form.add_error("fichier", line)
            else:
                written, trees, seen = plantings.record(territory, found, request.user, upload.name)
                text = (
                    f"« {upload.name} » : {count_words(written, 'plantation|f')} "
                    f"enregistrée{accord(written)}, {count_words(trees, 'arbre')}."
                )
                if seen:
                    text += (
                        f" {count_words(len(seen), 'ligne|f')} déjà enregistrée{accord(len(seen))}"
                        f" ignorée{accord(len(seen))} ({found.where.lower()} "
                        + ", ".join(str(r.line) for r in seen[:10])
                        + ("…" if len(seen) > 10 else "")
                        + ")."
                    )
                if found.skipped_blank:
                    n = len(found.skipped_blank)
                    text += f" {count_words(n, 'site')} sans plantation (ligne{accord(n)} vide{accord(n)})."
                messages.success(request, text)
                return redirect("plantabilite:sites", slug=slug)
    elif request.method == "POST":
        _manager_or_404(request, territory)
        planting_form = PlantingForm(request.POST)
        if planting_form.is_valid():
            data = planting_form.cleaned_data
            Planting.objects.create(
                territory=territory,
                site=data["site"],
                x=data["x"],
                y=data["y"],
                trees=data["arbres"],
                planted_on=data["date"],
                recorded_by=request.user,
            )
            n = data["arbres"]
            messages.success(
                request, f"{count_words(n, 'arbre')} planté{accord(n)} enregistré{accord(n)}."
            )
            return redirect("plantabilite:sites", slug=slug)
    planted = territory.plantings.aggregate(n=Sum("trees"))["n"] or 0
    capacity = sum(s["trees"] for s in found) if found else 0
    return render(
        request,
        "plantabilite/sites.html",
        {
            "territory": territory,
            "rights": rights,
            "computation": computation,
            "form": form,
            "sites": found,
            "planting_form": planting_form,
            "import_form": import_form,
            "planted": planted,
            "capacity": capacity,
            "query": request.GET.urlencode(),
            "plantings": territory.plantings.all()[:20],
            "grid": computing.grid_of(computation) if computation else None,
            "scale": image_scale(computation) if computation else 1,
            "shapes": mapping.site_shapes(found) if found else None,
            "need_columns": need_columns(territory, found),
            "map_legend": mapping.site_legend(),
        },
    )


def need_columns(territory, found) -> list[str]:
    """The labels of the needs rasters that ranked the sites; each site gets their values
    (0…1) in the same order, under "need_values", for the table."""
    kinds = [need for need in territory.needs.all() if need.path.exists()]
    for site in found or []:
        site["need_values"] = [site.get(f"need_{need.kind}") for need in kinds]
    return [need.get_kind_display() for need in kinds]


def _sites(computation, form):
    result = computing.load(computation)
    found = sites.find_sites(
        result,
        form.area(),
        min_class=form.cleaned_data.get("classe_min") or 7,
        min_cells=form.cleaned_data.get("mailles_min") or 4,
        m2_per_tree=computation.territory.m2_per_tree,
        needs=needs.grid_needs(computation.territory, result.grid),
    )
    return sites.with_lonlat(found, computation.territory.crs)


def zones_page(request, slug):
    """The territory's planting zones; draw one on the map (or type its vertices), or import
    one from a GeoJSON file. Agents of the territory only."""
    territory = get_object_or_404(Territory, slug=slug)
    _manager_or_404(request, territory)
    computation = territory.latest_public()
    draw_form, import_form = ZoneDrawForm(prefix="dessin"), ZoneImportForm(prefix="import")
    if request.method == "POST":
        action = request.POST.get("action")
        form = (
            ZoneDrawForm(request.POST, prefix="dessin")
            if action == "dessin"
            else ZoneImportForm(request.POST, request.FILES, prefix="import")
        )
        if action == "dessin":
            draw_form = form
        else:
            import_form = form
        if form.is_valid():
            name = form.cleaned_data["nom"].strip()
            try:
                if territory.zones.filter(name=name).exists():
                    raise zones.ZoneError(f"Une zone s'appelle déjà « {name} ».")
                if action == "dessin":
                    geometry, notes = zones.from_vertices(form.cleaned_data["sommets"], territory)
                    source = "dessinée"
                else:
                    upload = form.cleaned_data["fichier"]
                    if upload.size > zones.MAX_GEOJSON_BYTES:
                        raise zones.ZoneError(
                            f"Fichier de {upload.size / 2**20:.1f} Mo : plus que la limite de "
                            f"{zones.MAX_GEOJSON_BYTES / 2**20:.0f} Mo pour une zone."
                        )
                    geometry, notes = zones.from_geojson(upload.read(), territory)
                    source = upload.name[:255]
            except zones.ZoneError as error:
                field = "sommets" if action == "dessin" else "fichier"
                form.add_error("nom" if "déjà" in str(error) else field, str(error))
            else:
                import shapely

                zone = PlantingZone.objects.create(
                    territory=territory,
                    name=name,
                    source=source,
                    geometry_wkb=shapely.to_wkb(geometry),
                    area_m2=float(geometry.area),
                    report="\n".join(notes),
                    created_by=request.user,
                )
                hectares = f"{zone.area_m2 / 10_000:.2f}".replace(".", ",")
                messages.success(
                    request,
                    f"Zone « {zone.name} » enregistrée ({hectares} ha)."
                    + (" " + " ".join(notes) if notes else ""),
                )
                return redirect(zone)
    return render(
        request,
        "plantabilite/zones.html",
        {
            "territory": territory,
            "rights": abilities(request.user, territory),
            "computation": computation,
            "grid": computing.grid_of(computation) if computation else None,
            "scale": image_scale(computation) if computation else 1,
            "zones": territory.zones.all(),
            "draw_form": draw_form,
            "import_form": import_form,
        },
    )


def zone_page(request, slug, pk):
    """A zone: the classes of its cells against the whole territory, and its ranked sites."""
    territory = get_object_or_404(Territory, slug=slug)
    _manager_or_404(request, territory)
    zone = get_object_or_404(territory.zones, pk=pk)
    computation = territory.latest_public()
    if request.GET.get("format") == "zone":
        response = HttpResponse(
            zones.to_geojson(zone.geometry, territory.crs, {"nom": zone.name}),
            content_type="application/geo+json",
        )
        response["Content-Disposition"] = f'attachment; filename="zone-{zone.pk}.geojson"'
        return response
    context = {
        "territory": territory,
        "rights": abilities(request.user, territory),
        "zone": zone,
        "computation": computation,
    }
    if computation is not None:
        result = computing.load(computation)
        stats = zones.statistics(result, zone.geometry, territory.m2_per_tree)
        total = computation.stats.get("cells") or 1
        context["stats"] = stats
        context["rows"] = [
            {
                **legend()[c],
                "count": n,
                "share": 100 * stats["shares"][c],
                "territory_share": 100 * computation.stats["classes"][c] / total,
            }
            for c, n in enumerate(stats["classes"])
        ]
        found = sites.find_sites(
            result,
            within=zones.cells_inside(result.grid, zone.geometry),
            m2_per_tree=territory.m2_per_tree,
            needs=needs.grid_needs(territory, result.grid),
        )
        found = sites.with_lonlat(found, territory.crs)
        fmt = request.GET.get("format")
        if fmt == "csv":
            response = HttpResponse(sites.to_csv(found), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="sites-de-la-zone.csv"'
            return response
        if fmt == "geojson":
            response = HttpResponse(sites.to_geojson(found), content_type="application/geo+json")
            response["Content-Disposition"] = 'attachment; filename="sites-de-la-zone.geojson"'
            return response
        context["sites"] = found
        context["need_columns"] = need_columns(territory, found)
        context["capacity"] = sum(s["trees"] for s in found)
    return render(request, "plantabilite/zone.html", context)


@require_POST
@require_POST
def delete_planting(request, slug, pk):
    territory = get_object_or_404(Territory, slug=slug)
    _manager_or_404(request, territory)
    planting = get_object_or_404(territory.plantings, pk=pk)
    planting.delete()
    n = planting.trees
    messages.success(
        request,
        f"Plantation du {planting.planted_on:%d/%m/%Y} ({count_words(n, 'arbre')}) supprimée.",
    )
    return redirect("plantabilite:sites", slug=slug)


def delete_zone(request, slug, pk):
    territory = get_object_or_404(Territory, slug=slug)
    _manager_or_404(request, territory)
    zone = get_object_or_404(territory.zones, pk=pk)
    zone.delete()
    messages.success(request, f"Zone « {zone.name} » supprimée.")
    return redirect("plantabilite:zones", slug=slug)


def needs_page(request, slug):
    """Needs rasters (heat, population) that rank the planting sites. Agents only: a
    population grid or a thermal image is not published by this page."""
    territory = get_object_or_404(Territory, slug=slug)
    _manager_or_404(request, territory)
    form = NeedUploadForm()
    if request.method == "POST":
        form = NeedUploadForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            upload = data["fichier"]
            with tempfile.TemporaryDirectory(dir=settings.FILE_UPLOAD_TEMP_DIR) as folder:
                path = Path(folder) / f"besoin{Path(upload.name).suffix.lower() or '.tif'}"
                with open(path, "wb") as handle:
                    handle.writelines(upload.chunks())
                try:
                    need = needs.import_need(
                        territory,
                        path,
                        kind=data["besoin"],
                        name=data["nom"],
                        owner=data["detenteur"],
                        declared_crs=data["crs"],
                        provenance=data["provenance"],
                        source_name=upload.name[:255],
                        source_date=data["date"],
                        imported_by=request.user,
                    )
                except LayerError as error:
                    form.add_error("fichier", str(error))
                else:
                    messages.success(
                        request,
                        f"Besoin « {need.get_kind_display()} » importé : {need.width} × "
                        f"{need.height} pixels, valeurs de {need.minimum:g} à {need.maximum:g}.",
                    )
                    return redirect("plantabilite:needs", slug=slug)
    return render(
        request,
        "plantabilite/needs.html",
        {
            "territory": territory,
            "rights": abilities(request.user, territory),
            "needs": territory.needs.all(),
            "form": form,
        },
    )


@require_POST
def delete_need(request, slug, pk):
    territory = get_object_or_404(Territory, slug=slug)
    _manager_or_404(request, territory)
    need = get_object_or_404(territory.needs, pk=pk)
    need.path.unlink(missing_ok=True)
    need.delete()
    messages.success(request, f"Couche de besoin « {need.name} » supprimée.")
    return redirect("plantabilite:needs", slug=slug)
