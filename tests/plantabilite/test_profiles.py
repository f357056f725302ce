"""Weight profiles: Lyon's default is editable and versioned, agreements name the version and
the factors agreed, say when a later change puts them in question, and each profile's effect
on the latest computation is shown side by side."""

import re

import pytest
from django.urls import reverse

from territoria.plantabilite.factors import FACTORS, lyon_weights
from territoria.plantabilite.models import Agreement, Computation, ProfileVersion

pytestmark = pytest.mark.django_db


def _weights(**changes):
    weights = {f"modif-poids_{key}": value for key, value in lyon_weights().items()}
    weights.update({f"modif-poids_{key}": value for key, value in changes.items()})
    return weights


def _edit(client, territory, profile, motif="Réunion avec GRDF", **changes):
    return client.post(
        reverse("plantabilite:profiles", args=[territory.slug]),
        {"action": "modifier", "profil": profile.pk, "modif-motif": motif, **_weights(**changes)},
    )


def test_lyon_profile_starts_at_version_1_with_lyon_weights(territory):
    profile = territory.profiles.get()
    assert profile.version == 1
    version = profile.versions.get()
    assert version.weights == lyon_weights() and version.note == "Création du profil."


def test_editing_lyon_profile_records_a_new_version_with_its_author_and_reason(
    client, agent, territory
):
    client.force_login(agent)
    profile = territory.profiles.get()
    url = reverse("plantabilite:profiles", args=[territory.slug])
    form = client.get(f"{url}?modifier={profile.pk}").content.decode()
    assert "Enregistrer la version 2" in form
    assert 'name="modif-poids_gaz" value="-3"' in form
    response = _edit(client, territory, profile, motif="Accord GRDF du 2 mars", gaz=-2)
    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.weights["gaz"] == -2 and profile.version == 2
    v1, v2 = profile.versions.order_by("number")
    assert v1.weights["gaz"] == -3  # the previous state is kept
    assert v2.changed_by == agent and v2.note == "Accord GRDF du 2 mars"
    page = client.get(reverse("plantabilite:profiles", args=[territory.slug])).content.decode()
    assert "Version 2" in page and "Réseau de gaz -3 → -2" in page
    assert "Motif : Accord GRDF du 2 mars" in page
    # Lyon's published weight stays the reference column, the changed one is marked.
    assert "<strong>≠ -2</strong>" in page


def test_an_edit_that_changes_nothing_or_goes_out_of_range_writes_nothing(client, agent, territory):
    client.force_login(agent)
    profile = territory.profiles.get()
    page = _edit(client, territory, profile).content.decode()
    assert "Aucun poids n&#x27;a changé" in page
    page = _edit(client, territory, profile, gaz=-9).content.decode()
    assert "Poids entre -5 et +3" in page
    page = _edit(client, territory, profile, motif="", gaz=-2).content.decode()
    assert "Ce champ est obligatoire" in page
    profile.refresh_from_db()
    assert profile.version == 1 and ProfileVersion.objects.count() == 1
    assert profile.weights == lyon_weights()


def test_saving_the_same_weights_elsewhere_adds_no_version(territory):
    profile = territory.profiles.get()
    profile.description = "autre texte"
    profile.save()
    assert profile.version == 1
    profile.weights = {**profile.weights, "parcs": 1}
    profile.save()  # admin, shell: still versioned
    assert profile.version == 2


def test_operator_agreement_on_its_factors_holds_until_one_of_them_changes(
    client, agent, territory
):
    client.force_login(agent)
    profile = territory.profiles.get()
    url = reverse("plantabilite:profiles", args=[territory.slug])
    client.post(
        url,
        {
            "action": "accord",
            "profil": profile.pk,
            "facteurs": ["gaz"],
            "partie": "GRDF",
            "personne": "M. Témoin",
            "date": "2026-11-02",
        },
    )
    agreement = Agreement.objects.get()
    assert agreement.version == 1 and agreement.factors == ["gaz"]
    assert agreement.weights == {"gaz": -3}
    page = client.get(url).content.decode()
    assert "GRDF (M. Témoin) a convenu des poids de Réseau de gaz le 2 novembre 2026" in page
    assert "(version 1)" in page and "Toujours en vigueur." in page
    # A change of another factor leaves GRDF's agreement standing…
    _edit(client, territory, profile, parcs=1)
    assert "Toujours en vigueur." in client.get(url).content.decode()
    # …a change of the gas weight puts it in question.
    _edit(client, territory, profile, parcs=1, gaz=-1)
    page = client.get(url).content.decode()
    assert "À revoir" in page and "Réseau de gaz convenu à -3, maintenant -1" in page
    assert agreement.drift() == [{"factor": "Réseau de gaz", "agreed": -3, "now": -1}]


def test_agreement_on_all_weights_is_put_in_question_by_any_change(client, agent, territory):
    client.force_login(agent)
    profile = territory.profiles.get()
    url = reverse("plantabilite:profiles", args=[territory.slug])
    client.post(
        url, {"action": "accord", "profil": profile.pk, "partie": "Ville", "date": "2026-10-01"}
    )
    agreement = Agreement.objects.get()
    assert agreement.factors == [] and len(agreement.weights) == len(FACTORS)
    assert agreement.drift() == []
    _edit(client, territory, profile, marches=0)
    assert [d["factor"] for d in Agreement.objects.get().drift()] == ["Marchés"]


def test_computation_keeps_its_profile_version_and_profiles_are_compared_on_it(
    client, agent, computed
):
    territory = computed.territory
    assert computed.profile_version == 1
    client.force_login(agent)
    profile = territory.profiles.get()
    _edit(client, territory, profile, gaz=0)
    page = client.get(computed.get_absolute_url()).content.decode()
    assert "version 1 ; le profil est depuis passé en version 2" in page
    page = client.get(reverse("plantabilite:profiles", args=[territory.slug]))
    rows = page.context["comparison"]["rows"]
    # The gas pipe's cells (score −2.4 with −3) move when gas weighs 0: as many as the
    # sensitivity view counts for the same change.
    from territoria.plantabilite import computing, engine

    result = computing.load(Computation.objects.get())
    expected = engine.sensitivity(result.grid, result.shares, computed.weights, {"gaz": 0})
    assert rows[0]["changed"] == expected["changed"] > 0
    assert (rows[0]["up"], rows[0]["down"]) == (expected["up"], expected["down"])
    assert "Ce que chaque profil changerait" in page.content.decode()


@pytest.mark.parametrize("who", ["anonyme", "other_agent", "elu"])
def test_profiles_page_is_closed_to_readers_and_other_organisations(
    client, request, territory, who
):
    if who != "anonyme":
        client.force_login(request.getfixturevalue(who))
    profile = territory.profiles.get()
    url = reverse("plantabilite:profiles", args=[territory.slug])
    assert client.get(url).status_code == 404
    response = client.post(
        url, {"action": "modifier", "profil": profile.pk, "modif-motif": "x", **_weights(gaz=0)}
    )
    assert response.status_code == 404
    profile.refresh_from_db()
    assert profile.version == 1


def test_counts_read_as_french(client, agent, computed):
    """« aucun arbre », « 1 arbre planté », « 1 000 000 arbres » — not « 0 arbres »."""
    territory = computed.territory
    url = reverse("plantabilite:sites", args=[territory.slug])
    page = client.get(url).content.decode()
    assert "aucun arbre planté enregistré sur un objectif de 1\u202f000\u202f000 arbres" in page
    assert not re.search(r"(?<![\d\u202f])0 arbre", page)
    client.force_login(agent)
    response = client.post(
        url, {"x": 652100, "y": 6862100, "arbres": 1, "date": "2026-11-20"}, follow=True
    )
    page = response.content.decode()
    assert "1 arbre planté enregistré." in page
    assert "1 arbre planté enregistré sur un objectif" in page
    page = client.get(reverse("plantabilite:territory", args=[territory.slug])).content.decode()
    assert "1 arbre planté sur un objectif de 1\u202f000\u202f000 arbres" in page
    assert "1\u202f600 mailles de 5 m" in page  # 200 m × 200 m / 25 m²


def test_a_bad_agreement_names_the_field_and_writes_nothing(client, agent, territory):
    client.force_login(agent)
    profile = territory.profiles.get()
    url = reverse("plantabilite:profiles", args=[territory.slug])
    page = client.post(
        url, {"action": "accord", "profil": profile.pk, "facteurs": ["gaz"], "date": "2026-11-02"}
    )
    form = page.context["agreement_form"]
    assert form.errors["partie"] == ["Ce champ est obligatoire."]
    page = client.post(
        url,
        {
            "action": "accord",
            "profil": profile.pk,
            "facteurs": ["inconnu"],
            "partie": "GRDF",
            "date": "2026-11-02",
        },
    )
    assert "facteurs" in page.context["agreement_form"].errors
    assert not Agreement.objects.exists()
