"""Edits of a published record wait for moderation in a pending revision; every public route
keeps showing the published version until a moderator accepts it (API and pages)."""

import pytest
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from territoria.core.models import AuditLog
from territoria.registre.factories import ProjectFactory
from territoria.registre.models import Project, ProjectRevision
from territoria.registre.vocabulary import Lifecycle

pytestmark = pytest.mark.django_db

PUBLISHED_PARTNER = "Université de Lorraine"
PROPOSED_PARTNER = "PARTENAIRE-PROPOSE-NON-RELU"
PROPOSED_NAME = "Nom proposé non relu"


@pytest.fixture
def published(organisation):
    return ProjectFactory(
        organisation=organisation,
        lifecycle=Lifecycle.PUBLISHED,
        nom_projet="Tri des déchets",
        partenaires=PUBLISHED_PARTNER,
    )


def api(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def detail(project, step=""):
    return f"/api/registre/projets/{project.pk}/" + (f"{step}/" if step else "")


def public_text(client, project) -> str:
    """Everything an anonymous reader gets about the record: page, API, list, exports, feed."""
    client.logout()
    urls = [
        reverse("registre:detail", args=[project.pk]),
        detail(project),
        "/api/registre/projets/",
        reverse("registre:list"),
        reverse("registre:export", args=["csv"]),
        reverse("registre:export", args=["json"]),
        reverse("registre:feed_atom"),
    ]
    parts = []
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        parts.append(
            b"".join(response.streaming_content) if response.streaming else response.content
        )
    return b"".join(parts).decode()


def owner_patch(agent, project, **values):
    version = api(agent).get(detail(project)).json()["version"]
    return api(agent).patch(detail(project), {**values, "version": version}, format="json")


def test_api_owner_edit_of_published_record_waits_and_public_routes_keep_the_published_version(
    client, agent, published
):
    response = owner_patch(agent, published, partenaires=PROPOSED_PARTNER, nom_projet=PROPOSED_NAME)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["lifecycle"]["code"] == "published" and body["partenaires"] == PUBLISHED_PARTNER
    proposed = {c["field"]: c["proposed"] for c in body["pending_revision"]["changes"]}
    assert proposed == {"partenaires": PROPOSED_PARTNER, "nom_projet": PROPOSED_NAME}
    published.refresh_from_db()
    assert (published.partenaires, published.nom_projet) == (PUBLISHED_PARTNER, "Tri des déchets")
    text = public_text(client, published)
    assert PROPOSED_PARTNER not in text and PROPOSED_NAME not in text
    assert PUBLISHED_PARTNER in text


def test_api_owner_edits_add_up_in_the_revision_and_others_do_not_see_it(
    agent, other_agent, elu, published
):
    owner_patch(agent, published, partenaires=PROPOSED_PARTNER)
    owner_patch(agent, published, theme="attractivite_amenagement")
    revision = api(agent).get(detail(published)).json()["pending_revision"]
    assert {c["field"] for c in revision["changes"]} == {"partenaires", "theme"}
    assert revision["state"]["code"] == "draft"
    for reader in (other_agent, elu, None):
        body = api(reader).get(detail(published)).json()
        assert "pending_revision" not in body and body["partenaires"] == PUBLISHED_PARTNER


def test_api_revision_submitted_then_accepted_by_a_moderator_goes_public_and_is_audited(
    client, agent, moderator, published, django_capture_on_commit_callbacks
):
    owner_patch(agent, published, partenaires=PROPOSED_PARTNER)
    with django_capture_on_commit_callbacks(execute=True):
        response = api(agent).post(detail(published, "soumettre"))
    assert response.status_code == 200, response.content
    assert response.json()["pending_revision"]["state"]["code"] == "submitted"
    assert any("à modérer" in m.subject for m in mail.outbox)
    assert api(agent).post(detail(published, "publier")).status_code == 403
    assert PROPOSED_PARTNER not in public_text(client, published)

    moderator_view = api(moderator).get(detail(published)).json()["pending_revision"]
    assert moderator_view["changes"] == [
        {
            "field": "partenaires",
            "title": "Partenaires associés",
            "published": PUBLISHED_PARTNER,
            "proposed": PROPOSED_PARTNER,
        }
    ]
    response = api(moderator).post(detail(published, "publier"))
    assert response.status_code == 200, response.content
    assert response.json()["partenaires"] == PROPOSED_PARTNER
    assert response.json()["pending_revision"] is None
    assert PROPOSED_PARTNER in public_text(client, published)
    assert not ProjectRevision.objects.exists()
    accepted = AuditLog.objects.filter(
        object_id=str(published.pk), action="update", actor=moderator
    ).get(changes__has_key="partenaires")
    assert accepted.changes["partenaires"] == [PUBLISHED_PARTNER, PROPOSED_PARTNER]


def test_api_revision_sent_back_with_reason_keeps_the_record_published(
    client, agent, moderator, published
):
    owner_patch(agent, published, partenaires=PROPOSED_PARTNER)
    api(agent).post(detail(published, "soumettre"))
    response = api(moderator).post(
        detail(published, "renvoyer"), {"reason": "Partenaire à confirmer"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["lifecycle"]["code"] == "published"
    revision = api(agent).get(detail(published)).json()["pending_revision"]
    assert revision["state"]["code"] == "draft"
    assert revision["moderation_note"] == "Partenaire à confirmer"
    assert PROPOSED_PARTNER not in public_text(client, published)


def test_api_edit_back_to_the_published_values_leaves_nothing_to_review(agent, published):
    owner_patch(agent, published, partenaires=PROPOSED_PARTNER)
    owner_patch(agent, published, partenaires=PUBLISHED_PARTNER)
    assert api(agent).get(detail(published)).json()["pending_revision"] is None


def test_pages_owner_edit_waits_moderator_sees_diff_and_publishes(
    client, agent, moderator, published
):
    client.force_login(agent)
    form = client.get(reverse("registre:edit", args=[published.pk]))
    assert "Cette fiche est publiée" in form.content.decode()
    data = {
        "nom_projet": published.nom_projet,
        "partenaires": PROPOSED_PARTNER,
        "expected_version": published.version,
        "action": "submit",
        **{
            attr: getattr(published, attr)
            for attr in ("projet_status", "usage_description", "theme", "mise_en_oeuvre")
        },
        "projet_date": published.projet_date.strftime("%m/%Y") if published.projet_date else "",
        "sous_themes": published.sous_themes,
        "audiences": published.audiences,
        "hebergement": published.hebergement,
        "nom_algorithme": published.nom_algorithme,
        "type_algorithme": published.type_algorithme,
        "donnees_source": published.donnees_source,
        "donnees_acces": published.donnees_acces,
    }
    response = client.post(reverse("registre:edit", args=[published.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Project.objects.get(pk=published.pk).partenaires == PUBLISHED_PARTNER
    # The owner reads the proposed value beside the published one, and edits it again.
    page = client.get(reverse("registre:detail", args=[published.pk])).content.decode()
    assert "Modifications en attente de modération" in page and PROPOSED_PARTNER in page
    form = client.get(reverse("registre:edit", args=[published.pk])).content.decode()
    assert PROPOSED_PARTNER in form
    assert PROPOSED_PARTNER not in public_text(client, published)

    client.force_login(moderator)
    queue = client.get(reverse("registre:moderation")).content.decode()
    assert "Modifications de fiches publiées (1)" in queue and "Partenaires associés" in queue
    response = client.post(
        reverse("registre:transition", args=[published.pk, "publier"]), {"confirme": "1"}
    )
    assert response.status_code == 302
    assert Project.objects.get(pk=published.pk).partenaires == PROPOSED_PARTNER
    assert PROPOSED_PARTNER in public_text(client, published)
