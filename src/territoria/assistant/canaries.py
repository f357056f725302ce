"""The assistant's restricted values for the leak crawler (declared in apps.py; tests only).

An organisation-only collection holds a document whose title and text are DISTINCTIVE values
(indexed for real, so search and answers could leak them); an agent's conversation holds a
distinctive question; a citizen's hand-off request on a public collection holds a
distinctive question and contact, readable by the organisation's handlers only. The crawl
(tests/security/) must find none as an anonymous reader or as another organisation's agent;
the organisation's agent (the witness) finds them all. Imports test tooling (factory_boy):
never imported by the running platform.
"""

from django.conf import settings

from territoria.assistant.models import (
    Collection,
    Conversation,
    Document,
    Exchange,
    HandoffRequest,
    Visibility,
)
from territoria.assistant.services.ingestion import index_document
from territoria.core.models import Role, User
from territoria.core.modules import Canaries
from territoria.registre.factories import OrganisationFactory


def plant(needle) -> Canaries:
    org = OrganisationFactory(name="Ville de Secretville")
    other_org = OrganisationFactory(name="Ville Voisine")
    agent = User.objects.create_user(
        "assistant-agent", password="motdepasse-test-1", role=Role.AGENT, organisation=org
    )
    outsider = User.objects.create_user(
        "assistant-voisin", password="motdepasse-test-1", role=Role.AGENT, organisation=other_org
    )
    internal = Collection.objects.create(
        slug="notes-internes",
        name="Notes internes",
        visibility=Visibility.ORGANISATION,
        organisation=org,
    )
    public = Collection.objects.create(
        slug="faq-secretville", name="FAQ", visibility=Visibility.PUBLIC, organisation=org
    )
    folder = settings.MEDIA_ROOT / "assistant" / "canaries"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "procedure.md"
    path.write_text(
        f"# Procédure {needle('assttitle')}\n\n## Accès au coffre\n\n"
        f"Le code du coffre des archives est {needle('asstdoc')}, à ne pas diffuser.\n",
        encoding="utf-8",
    )
    document = Document.objects.create(
        collection=internal, source="procedure.md", path=str(path), format="md"
    )
    assert index_document(document), document.error
    conversation = Conversation.objects.create(user=agent, collection=internal)
    exchange = Exchange.objects.create(
        conversation=conversation,
        user=agent,
        collections=[internal.slug],
        question=f"Où est rangé le dossier {needle('asstquestion')} ?",
        answer="Je ne sais pas.",
        abstained=True,
    )
    handoff = HandoffRequest.objects.create(
        collection=public,
        question=f"Ma demande {needle('assthandoff')}",
        contact=f"{needle('asstcontact')}@example.org".lower(),
    )
    needles = {
        needle("assttitle"): "title of a document of an organisation-only collection",
        needle("asstdoc"): "text of a document of an organisation-only collection",
        needle("asstquestion"): "an agent's question in their conversation",
        needle("assthandoff"): "a citizen's hand-off request (handlers only)",
        needle("asstcontact").lower(): "a citizen's contact in a hand-off request",
    }
    return Canaries(
        needles=needles,
        proof=list(needles),
        witness=agent,
        witness_seeds=[
            f"/assistant/documents/{document.pk}/",
            f"/assistant/?conversation={conversation.pk}",
            "/assistant/demandes/",
            f"/assistant/collections/{internal.slug}/",
        ],
        outsider=outsider,
        ids=[
            internal.slug,
            public.slug,
            str(document.pk),
            str(exchange.pk),
            str(handoff.pk),
            str(conversation.pk),
        ],
        focus=[str(document.pk), internal.slug],
        seeds=[
            "/assistant/",
            "/assistant/public/",
            f"/assistant/?conversation={conversation.pk}",
            f"/assistant/collections/{internal.slug}/",
            f"/api/assistant/search/?q={needle('asstdoc')}",
        ],
        must_visit=[f"/assistant/documents/{document.pk}/"],
    )
