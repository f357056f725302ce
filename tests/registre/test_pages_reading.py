"""Reading pages: home, list with filters, record, organisation — per actor."""

import pytest
from django.urls import reverse

from territoria.registre.factories import OrganisationFactory
from tests.registre.pages_helpers import SECRETS, assert_no_secret, draft_project, published_project

pytestmark = pytest.mark.django_db


def test_home_anonymous_shows_figures_search_and_latest_projects(client, organisation):
    published_project(
        organisation, nom_projet="Détection des fuites d'eau", theme="transition_ecologique"
    )
    published_project(
        OrganisationFactory(),
        nom_projet="Chatbot des démarches",
        theme="citoyennete_sante_solidarites",
    )
    draft_project(organisation)
    html = client.get(reverse("home")).content.decode()
    assert 'action="/registre/"' in html and 'name="q"' in html
    assert "<strong>2</strong> projets publiés" in html
    assert "<strong>2</strong> collectivités" in html
    assert "<strong>2</strong> thèmes" in html
    assert "Détection des fuites d&#x27;eau" in html
    assert "Brouillon confidentiel" not in html
    assert_no_secret(html)


def test_list_anonymous_shows_published_only_without_restricted_values(client, organisation):
    published_project(organisation, nom_projet="Projet public")
    draft_project(organisation)
    response = client.get(reverse("registre:list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Projet public" in html and "Brouillon confidentiel" not in html
    assert "1 projet" in html
    assert_no_secret(html)
    # The restricted filter is not offered to anonymous readers.
    assert 'name="type_algorithme"' not in html


def test_list_agent_sees_own_drafts_and_restricted_filter(client, agent, organisation):
    draft_project(organisation)
    client.force_login(agent)
    html = client.get(reverse("registre:list")).content.decode()
    assert "Brouillon confidentiel" in html and "Brouillon</span>" in html
    assert 'name="type_algorithme"' in html
    assert "Documenter un nouveau projet" in html


def test_list_other_agent_does_not_see_drafts(client, other_agent, organisation):
    draft_project(organisation)
    client.force_login(other_agent)
    assert "Brouillon confidentiel" not in client.get(reverse("registre:list")).content.decode()


def test_list_filters_by_theme_and_text_and_shows_counts(client, organisation):
    published_project(organisation, nom_projet="Eau potable", theme="transition_ecologique")
    published_project(organisation, nom_projet="Bus à la demande", theme="mobilites")
    html = client.get(reverse("registre:list"), {"theme": "mobilites"}).content.decode()
    assert "Bus à la demande" in html and "Eau potable" not in html
    assert "Mobilités (1)" in html and "Transformation écologique et énergétique (1)" in html
    html = client.get(reverse("registre:list"), {"q": "demande"}).content.decode()
    assert "Bus à la demande" in html and "Eau potable" not in html
    assert "correspond à votre recherche" in html


def test_list_restricted_filter_ignored_for_anonymous(client, organisation):
    published_project(organisation, nom_projet="ML", type_algorithme="machine_learning")
    published_project(organisation, nom_projet="Génératif", type_algorithme="ia_generative")
    html = client.get(
        reverse("registre:list"), {"type_algorithme": "ia_generative"}
    ).content.decode()
    assert "2 projets" in html


def test_list_paginates(client, organisation):
    for n in range(23):
        published_project(organisation, nom_projet=f"Projet {n:02d}")
    first = client.get(reverse("registre:list")).content.decode()
    assert "Page 1 sur 2" in first and "Projet 19" in first and "Projet 20" not in first
    second = client.get(reverse("registre:list"), {"page": 2}).content.decode()
    assert "Projet 22" in second and 'rel="prev"' in second


def test_list_invalid_filter_value_is_not_an_error_page(client, organisation):
    published_project(organisation)
    assert (
        client.get(reverse("registre:list"), {"theme": "nimporte", "page": "abc"}).status_code
        == 200
    )


def test_detail_anonymous_sees_public_fields_only(client, organisation):
    project = published_project(organisation, usage_description="Repérer les fuites du réseau.")
    html = client.get(project.get_absolute_url()).content.decode()
    assert "<h1>" + project.nom_projet.replace("'", "&#x27;") + "</h1>" in html
    assert "Repérer les fuites du réseau." in html
    assert 'class="badge restricted"' not in html
    assert_no_secret(html)
    assert "Signaler une erreur" in html
    assert reverse("registre:history", args=[project.pk]) in html
    assert "Modifier la fiche" not in html


@pytest.mark.parametrize("actor", ["agent", "elu", "other_agent", "moderator"])
def test_detail_logged_in_readers_see_restricted_fields_badged(
    client, organisation, actor, request
):
    project = published_project(organisation)
    client.force_login(request.getfixturevalue(actor))
    html = client.get(project.get_absolute_url()).content.decode()
    for value in SECRETS.values():
        assert value in html
    assert 'class="badge restricted">accès restreint</span>' in html


def test_detail_actions_follow_abilities(client, organisation, agent, other_agent, elu, moderator):
    project = published_project(organisation)
    client.force_login(other_agent)
    assert "Modifier la fiche" not in client.get(project.get_absolute_url()).content.decode()
    client.force_login(elu)
    assert "Modifier la fiche" not in client.get(project.get_absolute_url()).content.decode()
    client.force_login(agent)
    html = client.get(project.get_absolute_url()).content.decode()
    assert "Modifier la fiche" in html and "Archiver" not in html
    client.force_login(moderator)
    html = client.get(project.get_absolute_url()).content.decode()
    assert "Archiver" in html and "Marquer comme revue" in html


def test_detail_draft_is_404_for_anonymous_and_other_org(client, organisation, other_agent):
    project = draft_project(organisation)
    assert client.get(project.get_absolute_url()).status_code == 404
    client.force_login(other_agent)
    response = client.get(project.get_absolute_url())
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_detail_draft_owner_sees_submit_button(client, organisation, agent):
    project = draft_project(organisation)
    client.force_login(agent)
    html = client.get(project.get_absolute_url()).content.decode()
    assert "Soumettre à la modération" in html and "Brouillon" in html


def test_detail_review_overdue_flag(client, organisation, settings):
    from django.utils import timezone

    project = published_project(organisation)
    project.last_reviewed_at = timezone.now() - timezone.timedelta(
        days=settings.REGISTRE_REVIEW_MAX_DAYS + 10
    )
    project.save()
    assert "À revoir" in client.get(project.get_absolute_url()).content.decode()


def test_organisation_page_lists_visible_projects_and_identity(client, organisation):
    published_project(organisation, nom_projet="Projet visible")
    draft_project(organisation)
    html = client.get(reverse("registre:organisation", args=[organisation.pk])).content.decode()
    assert organisation.siret in html and "Commune" in html and "48,85" in html
    assert "Projet visible" in html and "Brouillon confidentiel" not in html


def test_pages_are_french_with_one_h1_and_a_title(client, organisation):
    project = published_project(organisation)
    for url in [
        reverse("home"),
        reverse("registre:list"),
        project.get_absolute_url(),
        reverse("registre:history", args=[project.pk]),
        reverse("registre:organisation", args=[organisation.pk]),
    ]:
        html = client.get(url).content.decode()
        assert '<html lang="fr">' in html
        assert html.count("<h1") == 1, url
        assert "<title>" in html and "</title>" in html


def test_organisation_contact_email_is_restricted(client, organisation, agent):
    organisation.contact_email = "dsi-secret@testville.example"
    organisation.save()
    url = reverse("registre:organisation", args=[organisation.pk])
    assert "dsi-secret@testville.example" not in client.get(url).content.decode()
    client.force_login(agent)
    assert "dsi-secret@testville.example" in client.get(url).content.decode()


def test_list_links_to_exports_with_current_filters(client, organisation):
    published_project(organisation)
    html = client.get(reverse("registre:list"), {"theme": "mobilites"}).content.decode()
    assert 'href="/registre/export.csv?theme=mobilites"' in html


def test_list_sorts_by_update_date_and_keeps_filters(client, organisation):
    import datetime

    published_project(
        organisation, nom_projet="Ancien", content_updated_on=datetime.date(2023, 1, 1)
    )
    published_project(
        organisation, nom_projet="Récent", content_updated_on=datetime.date(2025, 6, 1)
    )
    html = client.get(
        reverse("registre:list"), {"tri": "recent", "theme": "transition_ecologique"}
    ).content.decode()
    assert html.index("Récent</a>") < html.index("Ancien</a>")
    assert '<input type="hidden" name="theme" value="transition_ecologique">' in html
    assert '<input type="hidden" name="tri" value="recent">' in html
    assert client.get(reverse("registre:list"), {"tri": "n-importe"}).status_code == 200


def test_list_and_home_queries_do_not_grow_with_the_page(client, organisation):
    """The same number of queries for 1 project as for 20 (each module's home section costs a
    constant few, whatever the register holds)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(url) -> int:
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        return len(captured)

    published_project(organisation, nom_projet="Projet 00")
    one = {url: queries(url) for url in (reverse("registre:list"), reverse("home"))}
    for n in range(1, 20):
        published_project(organisation, nom_projet=f"Projet {n:02d}")
    twenty = {url: queries(url) for url in one}
    assert twenty == one
    assert one[reverse("registre:list")] <= 10


def test_list_region_filter_offers_the_regions_of_the_register(
    client, organisation, other_organisation
):
    organisation.region = "Île-de-France"
    organisation.save()
    other_organisation.region = "Nouvelle-Aquitaine"
    other_organisation.save()
    published_project(organisation, nom_projet="Francilien")
    published_project(other_organisation, nom_projet="Aquitain")
    html = client.get(reverse("registre:list"), {"region": "nouvelle-aquitaine"}).content.decode()
    assert '<option value="Île-de-France">Île-de-France (1)</option>' in html
    assert "Aquitain</a>" in html and "Francilien</a>" not in html


def test_error_pages_are_in_french():
    from django.template.loader import render_to_string

    assert "Erreur du serveur" in render_to_string("500.html")
    assert "Page introuvable" in render_to_string("404.html")


def test_detail_public_preview_hides_restricted_fields_for_an_agent(client, organisation, agent):
    project = published_project(organisation)
    client.force_login(agent)
    html = client.get(project.get_absolute_url(), {"vue": "publique"}).content.decode()
    assert "Aperçu de la fiche telle que la voit le public" in html
    assert_no_secret(html)
    assert SECRETS["nom_algorithme"] in client.get(project.get_absolute_url()).content.decode()


def test_organisations_index_lists_the_public_carriers_in_french_order(client, organisation):
    from territoria.core.models import Organisation, OrganisationType
    from territoria.core.siret import make_siret

    ecully = Organisation.objects.create(
        name="Écully", siret=make_siret(901), type=OrganisationType.COMMUNE
    )
    only_drafts = Organisation.objects.create(
        name="Brouillons seulement", siret=make_siret(902), type=OrganisationType.COMMUNE
    )
    zeta = Organisation.objects.create(
        name="zeta agglo", siret=make_siret(903), type=OrganisationType.COMMUNAUTE_AGGLOMERATION
    )
    published_project(ecully, nom_projet="Projet d'Écully")
    published_project(zeta, nom_projet="Projet Zeta A")
    published_project(zeta, nom_projet="Projet Zeta B")
    published_project(organisation, nom_projet="Projet de Testville")
    draft_project(only_drafts)
    response = client.get(reverse("registre:organisations"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "3 organisations publient 4 projets" in html
    assert "Brouillons seulement" not in html
    # French order: accents and case ignored (not « Ville… < zeta < Écully » by code point).
    positions = [html.index(name) for name in ("Écully", "Ville de Testville", "zeta agglo")]
    assert positions == sorted(positions)
    assert reverse("registre:organisation", args=[zeta.pk]) in html
    detail = client.get(reverse("registre:organisation", args=[zeta.pk])).content.decode()
    assert "Projet Zeta A" in detail and 'href="/registre/organisations/"' in detail
    listing = client.get(reverse("registre:list")).content.decode()
    assert 'href="/registre/organisations/"' in listing


def test_a_running_project_does_not_show_the_abandonment_field(client, organisation):
    running = published_project(organisation, projet_status="deploiement", status_abandon="")
    html = client.get(running.get_absolute_url()).content.decode()
    assert "<dt>Description d&#x27;un projet abandonné" not in html
    stopped = published_project(
        organisation,
        nom_projet="Arrêté",
        projet_status="abandonne",
        status_abandon="Coût trop élevé.",
    )
    html = client.get(stopped.get_absolute_url()).content.decode()
    assert "<dt>Description d&#x27;un projet abandonné" in html and "Coût trop élevé." in html


def test_help_texts_carry_no_developer_notes(client, agent):
    client.force_login(agent)
    html = client.get(reverse("registre:create")).content.decode()
    assert "modèle source" not in html and "herbergement" not in html
    assert "vision par ordinateur" in html
