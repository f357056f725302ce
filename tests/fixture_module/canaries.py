"""The fixture module's restricted values for the leak crawler (declared in apps.py)."""

from territoria.core.models import Role, User
from territoria.core.modules import Canaries, SearchProbe
from tests.fixture_module.models import Note


def plant(needle) -> Canaries:
    reader = User.objects.create_user(
        "temoin-lecteur", password="motdepasse-test-1", role=Role.AGENT
    )
    public = Note.objects.create(
        title="Note publique du témoin",
        summary="Un résumé que tout le monde peut lire.",
        secret=f"Secret {needle('notesecret')}",
        published=True,
    )
    draft = Note.objects.create(
        title=f"Brouillon {needle('notedraft')}",
        summary=f"Résumé {needle('notedraftsummary')}",
        published=False,
    )
    needles = {
        needle("notesecret"): "secret of a published note (fixture module)",
        needle("notedraft"): "title of an unpublished note (fixture module)",
        needle("notedraftsummary"): "summary of an unpublished note (fixture module)",
    }
    return Canaries(
        needles=needles,
        proof=list(needles),
        witness=reader,
        witness_seeds=["/temoin/", f"/temoin/notes/{public.pk}/", f"/temoin/notes/{draft.pk}/"],
        ids=[str(public.pk), str(draft.pk)],
        focus=[str(public.pk), str(draft.pk)],
        seeds=["/temoin/"],
        must_visit=[f"/temoin/notes/{public.pk}/", f"/temoin/notes/{draft.pk}/"],
        search_probes=[SearchProbe(needle("notesecret"), public.title)],
    )
