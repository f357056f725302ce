"""The one indexer of a note: a public document once published, a restricted one for its secret."""

from territoria.search import Document
from territoria.search.access import PUBLIC, capability_token
from tests.fixture_module.apps import READ_SECRET


class NoteIndexer:
    namespace = "fixture_module"

    def documents(self, note) -> list[Document]:
        insiders = [capability_token(READ_SECRET)]
        common = {"document": str(note.pk), "title": note.title, "url": note.get_absolute_url()}
        documents = [
            Document(
                key=str(note.pk),
                title=note.title,
                text=note.summary,
                access=[PUBLIC] if note.published else insiders,
                fields={**common, "section": "Note"},
            )
        ]
        if note.secret:
            documents.append(
                Document(
                    key=f"{note.pk}:secret",
                    title=note.title,
                    text=note.secret,
                    access=insiders,
                    fields={**common, "section": "Secret"},
                )
            )
        return documents

    def keys(self, pk) -> list[str]:
        return [str(pk), f"{pk}:secret"]

    def queryset(self):
        from tests.fixture_module.models import Note

        return Note.objects.all()


note_indexer = NoteIndexer()
