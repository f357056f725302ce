"""The assistant's data: collections with access rights, documents and their indexing state,
ingestion jobs, conversations and the exchange log, hand-off requests to a human.

Passages (chunks) are not a model: they live in the shared search index
(`territoria.search`, namespace `assistant:<collection slug>`, or the module's own namespace
for a source a module declares), with the document id, section path and page in their fields.
"""

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models, transaction
from django.db.models.signals import m2m_changed

from territoria.core.models import BaseModel, Organisation
from territoria.search.access import PUBLIC, group_token, org_token


class Visibility(models.TextChoices):
    PUBLIC = "public", "Publique (citoyens compris)"
    ORGANISATION = "organisation", "Réservée à l'organisation"
    GROUP = "group", "Réservée à des groupes"


class Collection(BaseModel):
    slug = models.SlugField("identifiant", max_length=80, unique=True)
    name = models.CharField("nom", max_length=200)
    description = models.TextField("description", blank=True)
    visibility = models.CharField(
        "visibilité", max_length=20, choices=Visibility.choices, default=Visibility.ORGANISATION
    )
    organisation = models.ForeignKey(
        Organisation,
        verbose_name="organisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assistant_collections",
    )
    groups = models.ManyToManyField(
        Group, verbose_name="groupes", blank=True, related_name="assistant_collections"
    )
    # The human contact offered when the assistant does not know.
    contact_service = models.CharField("service à contacter", max_length=200, blank=True)
    contact_email = models.EmailField("e-mail du service", blank=True)
    contact_phone = models.CharField("téléphone du service", max_length=40, blank=True)
    # Built by code (e.g. the register); not fed by uploads.
    managed = models.BooleanField("alimentée automatiquement", default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = "collection"

    def __str__(self):
        return self.name

    @property
    def namespace(self) -> str:
        """Where the passages live: a module's namespace for a source it declares, else our own."""
        from territoria.assistant.services.module_sources import source_of

        source = source_of(self)
        return source.namespace if source else f"assistant:{self.slug}"

    def access_tokens(self) -> list[str]:
        """Tokens given to every passage of the collection (THE rule of who may read it)."""
        if self.visibility == Visibility.PUBLIC:
            return [PUBLIC]
        if self.visibility == Visibility.ORGANISATION:
            return [org_token(self.organisation_id)] if self.organisation_id else []
        return [group_token(pk) for pk in self.groups.values_list("pk", flat=True)]

    def readable_by(self, tokens) -> bool:
        return bool(set(self.access_tokens()) & set(tokens))

    # What access_tokens() depends on, besides the groups (see _groups_changed below).
    ACCESS_FIELDS = ("visibility", "organisation_id")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._saved_access = self._access_state()

    def _access_state(self) -> tuple:
        return tuple(self.__dict__.get(name) for name in self.ACCESS_FIELDS)

    def save(self, *args, **kwargs):
        adding = self._state.adding
        super().save(*args, **kwargs)
        if not adding and self._access_state() != self._saved_access:
            self.schedule_access_reindex()
        self._saved_access = self._access_state()

    def schedule_access_reindex(self) -> None:
        """Passages carry the collection's tokens: re-stamp them once the change is committed
        (in the background: a large collection has tens of thousands of passages)."""
        from territoria.assistant.tasks import reindex_collection_access

        pk = str(self.pk)
        transaction.on_commit(lambda: reindex_collection_access.enqueue(pk))


def _groups_changed(sender, instance, action, reverse, pk_set, **kwargs):
    """A group-only collection whose groups change gets its passages re-stamped."""
    if reverse and action == "pre_clear":  # group.assistant_collections.clear(): who, before
        instance._cleared_collections = list(instance.assistant_collections.all())
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    if not reverse:
        collections = [instance]
    elif action == "post_clear":
        collections = getattr(instance, "_cleared_collections", [])
    else:
        collections = Collection.objects.filter(pk__in=pk_set or [])
    for collection in collections:
        if collection.visibility == Visibility.GROUP:
            collection.schedule_access_reindex()


m2m_changed.connect(_groups_changed, sender=Collection.groups.through)


class DocumentState(models.TextChoices):
    PENDING = "pending", "En attente"
    INDEXING = "indexing", "Indexation en cours"
    INDEXED = "indexed", "Indexé"
    FAILED = "failed", "Échec"


class Document(BaseModel):
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="documents")
    # Stable id inside the collection: the relative path for a directory, the file name otherwise.
    source = models.CharField("source", max_length=500)
    # Where the file is on disk (uploads are stored under MEDIA_ROOT/assistant/); served to
    # readers of the collection only, by assistant:document_file.
    path = models.CharField("chemin du fichier", max_length=1000, blank=True)
    title = models.CharField("titre", max_length=500, blank=True)
    format = models.CharField("format", max_length=20, blank=True)
    size = models.BigIntegerField("taille (octets)", default=0)
    content_hash = models.CharField(max_length=64, blank=True)
    state = models.CharField(
        "état", max_length=20, choices=DocumentState.choices, default=DocumentState.PENDING
    )
    error = models.TextField("erreur", blank=True)
    pages = models.IntegerField("pages", null=True, blank=True)
    chunk_count = models.IntegerField("passages", default=0)
    indexed_at = models.DateTimeField("indexé le", null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    job = models.ForeignKey(
        "IngestionJob", null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )

    class Meta:
        ordering = ["source"]
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "source"], name="assistant_document_unique_source"
            )
        ]
        verbose_name = "document"

    def __str__(self):
        return self.title or self.source


class JobState(models.TextChoices):
    QUEUED = "queued", "En file"
    RUNNING = "running", "En cours"
    DONE = "done", "Terminé"
    FAILED = "failed", "Échec"


class IngestionJob(BaseModel):
    """A batch of documents to index; its counters are the progress shown in the UI."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="jobs")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=20, choices=JobState.choices, default=JobState.QUEUED)
    total = models.IntegerField(default=0)
    indexed = models.IntegerField(default=0)
    unchanged = models.IntegerField(default=0)
    failed = models.IntegerField(default=0)
    chunks_to_embed = models.IntegerField(default=0)
    chunks_embedded = models.IntegerField(default=0)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    @property
    def processed(self) -> int:
        return self.indexed + self.unchanged + self.failed

    @property
    def percent(self) -> int:
        parts = self.total + self.chunks_to_embed
        return int(100 * (self.processed + self.chunks_embedded) / parts) if parts else 100


class Conversation(BaseModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assistant_conversations",
    )
    session_key = models.CharField(max_length=64, blank=True)  # anonymous citizens
    collection = models.ForeignKey(
        Collection, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]


class Feedback(models.TextChoices):
    USEFUL = "useful", "Utile"
    NOT_USEFUL = "not_useful", "Pas utile"
    WRONG = "wrong", "Faux"


class Exchange(BaseModel):
    """One question and its answer: the traceability log (personal data masked)."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="exchanges"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    collections = models.JSONField(default=list)  # slugs searched
    question = models.TextField()
    answer = models.TextField(blank=True)
    citations = models.JSONField(default=list)  # [{n, document, title, section, page, url, text}]
    passages = models.JSONField(default=list)  # [{key, score, ranks}] retrieved
    method = models.CharField(max_length=20, blank=True)  # extractive / llm / llm-rejected / none
    abstained = models.BooleanField(default=False)
    latency_ms = models.IntegerField(default=0)
    cpu_seconds = models.FloatField(default=0)
    energy_wh = models.FloatField(default=0)
    feedback = models.CharField(max_length=20, choices=Feedback.choices, blank=True)

    class Meta:
        ordering = ["created_at"]

    @property
    def answer_for_log(self) -> str:
        from territoria.assistant.services.masking import mask_personal_data

        return mask_personal_data(self.answer)


class HandoffState(models.TextChoices):
    OPEN = "open", "À traiter"
    ANSWERED = "answered", "Répondue"


class HandoffRequest(BaseModel):
    """A question passed to a human (asked by a user, or offered when the assistant abstains)."""

    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="handoffs")
    exchange = models.ForeignKey(
        Exchange, null=True, blank=True, on_delete=models.SET_NULL, related_name="handoffs"
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact = models.CharField("vos coordonnées (facultatif)", max_length=200, blank=True)
    question = models.TextField("question")
    state = models.CharField(max_length=20, choices=HandoffState.choices, default=HandoffState.OPEN)
    response = models.TextField("réponse", blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    # The address the answer was e-mailed to (empty: none given, or the mail failed).
    response_sent_to = models.CharField("réponse envoyée à", max_length=254, blank=True)

    class Meta:
        ordering = ["-created_at"]
