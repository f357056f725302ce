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
