"""Regression test for a server error the OpenAPI fuzzer found: a moderator creating an
organisation through the API without a SIRET hit the database's "French body has a SIRET"
constraint (500). The API creates French bodies only: the SIRET is required there."""

import pytest

from territoria.core.models import Organisation


@pytest.mark.parametrize("siret", [None, "", "absent"])
def test_api_create_organisation_without_siret_is_refused_with_field_error(
    api_client, moderator, siret
):
    api_client.force_authenticate(moderator)
    body = {"name": "Commune sans SIRET", "type": "commune"}
    if siret != "absent":
        body["siret"] = siret
    response = api_client.post("/api/registre/organisations/", body, format="json")
    assert response.status_code == 400
    assert "siret" in response.json()
    assert not Organisation.objects.filter(name="Commune sans SIRET").exists()


def test_api_create_organisation_with_siret_still_works(api_client, moderator):
    api_client.force_authenticate(moderator)
    response = api_client.post(
        "/api/registre/organisations/",
        {"name": "Ville de Testville", "type": "commune", "siret": "21930051400011"},
        format="json",
    )
    assert response.status_code == 201, response.content
