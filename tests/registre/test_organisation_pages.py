"""Creating and editing an organisation from the register's pages (issue 12): moderators and
administrators only (one capability of the role policy), SIRET looked up in the Insee's
administrative division, errors in plain words, nothing saved on error, audit log signed."""

import pytest
from django.urls import reverse

from territoria.core.models import AuditLog, Organisation
from territoria.core.siret import siret_error

CREATE = reverse("registre:organisation-create")


def _siret(siren: str) -> str:
    """A valid SIRET of this SIREN (the first establishment number that passes the key)."""
    return next(
        siret for nic in range(10, 100_000) if not siret_error(siret := f"{siren}{nic:05d}")
    )


# L'Abergement-Clémenciat (Ain): its SIREN is in @etalab/decoupage-administratif.
COMMUNE_SIRET = _siret("210100012")

# A SIREN with a valid key that is no local authority (a company's numbering).
UNKNOWN_SIREN = next(
    str(n)
    for n in range(800_000_000, 800_001_000)
    if any(not siret_error(f"{n}{nic:05d}") for nic in range(10, 100))
)

FORM = {
    "name": "Commune de L'Abergement-Clémenciat",
    "siret": COMMUNE_SIRET,
    "type": "commune",
    "contact_email": "mairie@abergement.fr",
    "logo_url": "",
    "latitude": "46,15",
    "longitude": "4,92",
    "action": "enregistrer",
}


def test_moderator_creates_an_organisation_its_region_derived_and_the_change_logged(
    client, moderator
):
    client.force_login(moderator)
    page = client.get(CREATE).content.decode()
    assert "<h1>Ajouter une organisation</h1>" in page
    response = client.post(CREATE, FORM)
    organisation = Organisation.objects.get(siret=COMMUNE_SIRET)
    assert response.status_code == 302
    assert response["Location"] == reverse("registre:organisation", args=[organisation.pk])
    assert organisation.region == "Auvergne-Rhône-Alpes"
    assert organisation.latitude == pytest.approx(46.15)
    entry = AuditLog.objects.get(object_id=str(organisation.pk), action="create")
    assert entry.actor == moderator
    assert entry.changes["name"][1] == FORM["name"]
    detail = client.get(response["Location"]).content.decode()
    assert "créée (région : Auvergne-Rhône-Alpes)" in detail
    assert "Modifier l'organisation" in detail


def test_administrator_edits_an_organisation_and_the_log_keeps_before_and_after(
    client, admin_user, organisation
):
    client.force_login(admin_user)
    url = reverse("registre:organisation-edit", args=[organisation.pk])
    assert "Ville de Testville" in client.get(url).content.decode()
    response = client.post(
        url, {**FORM, "name": "Ville de Testville-sur-Marne", "siret": organisation.siret}
    )
    assert response.status_code == 302
    organisation.refresh_from_db()
    assert organisation.name == "Ville de Testville-sur-Marne"
    entry = AuditLog.objects.filter(object_id=str(organisation.pk), action="update").latest("at")
    assert entry.actor == admin_user
    assert entry.changes["name"] == ["Ville de Testville", "Ville de Testville-sur-Marne"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"siret": "21010001200011"}, "SIRET", "n&#x27;est pas valide (clé de contrôle de Luhn"),
        ({"siret": "1234"}, "SIRET", "Le SIRET doit compter 14 chiffres"),
        ({"siret": ""}, "SIRET", "Le SIRET est obligatoire"),
        ({"name": ""}, "Nom", "Indiquez le nom de l&#x27;organisation."),
        ({"type": "zzz"}, "Type de collectivité", "Choisissez le type de collectivité dans"),
        ({"latitude": "quarante-six"}, "Latitude du siège", "Saisissez un nombre, par exemple"),
        ({"latitude": "146"}, "Latitude du siège", "La latitude est comprise entre -90 et 90."),
        ({"contact_email": "mairie"}, "E-mail de contact", "Saisissez une adresse e-mail valide"),
    ],
)
def test_errors_say_which_field_and_what_is_expected_and_nothing_is_saved(
    client, moderator, changes, field, message
):
    client.force_login(moderator)
    page = client.post(CREATE, {**FORM, **changes}).content.decode()
    assert "L'organisation n'a pas été créée" in page
    assert f">{field}</a> : " in page
    assert message in page
    assert page.count("obligatoire pour une organisation française") <= 1  # one reason, once
    assert not Organisation.objects.filter(name=FORM["name"]).exists()


def test_a_siret_already_used_names_the_organisation_that_has_it(client, moderator, organisation):
    client.force_login(moderator)
    page = client.post(CREATE, {**FORM, "siret": organisation.siret}).content.decode()
    assert (
        f"Le SIRET {organisation.siret} est déjà celui de l&#x27;organisation « Ville de Testville »"
        in page
    )
    assert Organisation.objects.filter(siret=organisation.siret).count() == 1


def test_checking_the_siret_says_what_it_is_and_saves_nothing(client, moderator):
    client.force_login(moderator)
    page = client.post(CREATE, {**FORM, "action": "verifier"}).content.decode()
    assert (
        "SIREN 210100012 reconnu : commune L&#x27;Abergement-Clémenciat, région "
        "Auvergne-Rhône-Alpes." in page
    )
    unknown = client.post(
        CREATE, {**FORM, "siret": _siret(UNKNOWN_SIREN), "action": "verifier"}
    ).content.decode()
    assert "ne figure pas dans le découpage administratif" in unknown
    assert "« non déterminée »" in unknown
    assert not Organisation.objects.exists()


def test_an_agent_is_refused_and_nothing_is_written(client, agent, organisation):
    client.force_login(agent)
    before = AuditLog.objects.count()
    for response in (
        client.get(CREATE),
        client.post(CREATE, FORM),
        client.post(
            reverse("registre:organisation-edit", args=[organisation.pk]),
            {**FORM, "siret": organisation.siret, "name": "Piratée"},
        ),
    ):
        assert response.status_code == 403
        assert "Seuls les modérateurs et les administrateurs" in response.content.decode()
    organisation.refresh_from_db()
    assert organisation.name == "Ville de Testville"
    assert not Organisation.objects.filter(siret=COMMUNE_SIRET).exists()
    assert AuditLog.objects.count() == before
    page = client.get(reverse("registre:organisation", args=[organisation.pk])).content.decode()
    assert "Modifier l'organisation" not in page
    assert (
        "Ajouter une organisation"
        not in client.get(reverse("registre:organisations")).content.decode()
    )


def test_an_anonymous_reader_is_sent_to_log_in(client):
    response = client.get(CREATE)
    assert response.status_code == 302 and "/connexion/" in response["Location"]


def test_the_api_follows_the_same_policy(api_client, agent, moderator):
    url = "/api/registre/organisations/"
    body = {"name": "Commune test", "siret": COMMUNE_SIRET, "type": "commune"}
    api_client.force_authenticate(agent)
    assert api_client.post(url, body, format="json").status_code == 403
    api_client.force_authenticate(moderator)
    assert api_client.post(url, body, format="json").status_code == 201


def test_managers_reach_organisations_without_published_projects(client, moderator, organisation):
    client.force_login(moderator)
    page = client.get(reverse("registre:organisations")).content.decode()
    assert "Ajouter une organisation" in page
    assert "Organisations sans projet publié (1)" in page
    assert reverse("registre:organisation-edit", args=[organisation.pk]) in page
