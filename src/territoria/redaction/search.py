"""The one indexer of a published deliberation (public data: the PUBLIC token)."""

from territoria.search import Document
from territoria.search.access import PUBLIC

NAMESPACE = "redaction.deliberations"
TEXT_CHARS = 6000  # the text's beginning (object, visas, considérants) is what retrieval needs


class DeliberationIndexer:
    namespace = NAMESPACE

    @staticmethod
    def document_for(key: str, object: str, subject_name: str, text: str, fields: dict) -> Document:
        """The indexed form of a deliberation — also used by the evaluation, like for like."""
        subject = subject_name.split("/")[-1]
        return Document(
            key=key,
            title=object[:500],
            text=f"{object}\n{subject}\n{text[:TEXT_CHARS]}".strip(),
            access=[PUBLIC],
            fields=fields,
            # The object and the subject say what the act is about; the body would drown them.
            embedding_text=f"{object}\n{subject}",
        )

    def documents(self, deliberation) -> list[Document]:
        return [
            self.document_for(
                str(deliberation.pk),
                deliberation.object,
                deliberation.subject_name,
                deliberation.text,
                {
                    "document": str(deliberation.pk),
                    "title": deliberation.object[:300],
                    "section": f"{deliberation.coll_nom} — {deliberation.date:%d/%m/%Y}",
                    "url": deliberation.get_absolute_url(),
                    "subject_code": deliberation.subject_code,
                    "year": deliberation.date.year,
                    "siret": deliberation.coll_siret,
                },
            )
        ]

    def keys(self, pk) -> list[str]:
        return [str(pk)]

    def queryset(self):
        from territoria.redaction.models import Deliberation

        return Deliberation.objects.all()


deliberation_indexer = DeliberationIndexer()
