from django.http import Http404
from django.shortcuts import get_object_or_404, render

from territoria.core.roles import has_capability
from tests.fixture_module.apps import READ_SECRET
from tests.fixture_module.models import Note


def home_context(request) -> dict:
    return {"published": Note.objects.filter(published=True).count()}


def index(request):
    notes = Note.objects.filter(published=True).order_by("pk")
    return render(request, "fixture_module/index.html", {"notes": notes})


def note(request, pk):
    found = get_object_or_404(Note, pk=pk)
    insider = has_capability(request.user, READ_SECRET)
    if not (found.published or insider):
        raise Http404
    return render(request, "fixture_module/note.html", {"note": found, "insider": insider})


def shapes(request):
    """A map of lines and areas and a chart: the shared components as a module uses them."""
    from territoria.core.charts import LineChart, Series
    from territoria.core.maps import LegendEntry, MapShape

    square = [[[4.8, 45.7], [4.9, 45.7], [4.9, 45.8], [4.8, 45.8], [4.8, 45.7]]]
    shapes = [
        MapShape({"type": "Polygon", "coordinates": square}, "Zone A", colour="scale-7"),
        MapShape({"type": "LineString", "coordinates": [[4.8, 45.75], [4.95, 45.76]]}, "Tuyau"),
    ]
    chart = LineChart("Débit", [Series("Entrée", [(1, 2.0), (2, 3.0), (3, 2.5)])], y_label="m³/h")
    legend = [LegendEntry("scale-7", "Zone prioritaire")]
    return render(
        request, "fixture_module/shapes.html", {"shapes": shapes, "chart": chart, "legend": legend}
    )
