"""Pages: who sees what (drafts never reach anonymous readers), the officer's journey
(create an observatory, evaluate an action, publish), imports as jobs with clear errors."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from territoria.culture.models import Action, CultureJob, Indicator, Observatory

from .conftest import OLD_GEOGRAPHY, ROUEN_METROPOLE


@pytest.fixture
def rouen(culture_data):
    return Observatory.objects.create(
        slug="metropole-rouen", name="Métropole Rouen Normandie", epci_code=ROUEN_METROPOLE
    )


def test_anonymous_reader_cannot_open_an_unpublished_observatory(client, rouen):
    assert client.get(reverse("culture:observatory", args=[rouen.slug])).status_code == 404
    assert client.get(reverse("culture:observatory_csv", args=[rouen.slug])).status_code == 404
    assert "Métropole Rouen" not in client.get(reverse("culture:index")).content.decode()


def test_published_observatory_shows_map_rankings_and_priorities(client, rouen):
    rouen.published = True
    rouen.save()
    page = client.get(reverse("culture:observatory", args=[rouen.slug]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "culture-map" in html and "Zones prioritaires" in html
    # The outlines are sent once: in the interactive map's data, not again as an inline SVG;
    # the no-JavaScript map is an image of its own route, inside <noscript>.
    assert "<svg" not in html and html.count("<path") == 0
    map_url = reverse("culture:observatory_map", args=[rouen.slug])
    noscript = html[html.index("<noscript>") : html.index("</noscript>")]
    assert f'src="{map_url}"' in noscript and 'alt="Carte de l' in noscript
    assert 'href="#classement"' in noscript  # the same figures as text
    svg = client.get(map_url)
    assert svg.status_code == 200 and svg["Content-Type"].startswith("image/svg+xml")
    assert svg.content.decode().count("<path") == 71
    assert "Enregistrer ces poids" not in html  # no editing for anonymous readers
    csv_text = client.get(reverse("culture:observatory_csv", args=[rouen.slug])).content.decode()
    assert len(csv_text.strip().splitlines()) == 72


def test_no_javascript_map_is_cached_and_follows_the_page(client, elu, rouen):
    map_url = reverse("culture:observatory_map", args=[rouen.slug])
    assert client.get(map_url).status_code == 404  # a draft's map: not for anonymous readers
    client.force_login(elu)
    draft = client.get(map_url)
    assert draft.status_code == 200 and draft["Cache-Control"].startswith("private")
    client.logout()
    rouen.published = True
    rouen.save()
    first = client.get(map_url)
    assert first["Cache-Control"] == "public, max-age=600" and first["ETag"]
    again = client.get(map_url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and not again.content
    assert client.get(map_url).content == first.content  # the same bytes: the same ETag
    # The page's weights reach its map: the query is carried to the image.
    query = {"poids_proximite": 0, "poids_offre": 1, "poids_frequentation": 0}
    page = client.get(reverse("culture:observatory", args=[rouen.slug]), query).content.decode()
    assert f"{map_url}?poids_proximite=0&amp;poids_offre=1" in page
    other = client.get(map_url, query)
    assert other["ETag"] != first["ETag"] and other.content != first.content


def test_weights_from_the_query_change_the_ranking(client, rouen):
    rouen.published = True
    rouen.save()
    url = reverse("culture:observatory_csv", args=[rouen.slug])
    near = client.get(
        url, {"poids_proximite": 1, "poids_offre": 0, "poids_frequentation": 0}
    ).content
    offer = client.get(
        url, {"poids_proximite": 0, "poids_offre": 1, "poids_frequentation": 0}
    ).content
    assert near != offer


def test_anonymous_reader_cannot_post_to_publish(client, rouen):
    response = client.post(reverse("culture:observatory", args=[rouen.slug]), {"action": "publier"})
    assert response.status_code == 404  # unpublished: not even found
    rouen.refresh_from_db()
    assert not rouen.published


def test_elu_reads_drafts_but_cannot_publish(client, elu, rouen):
    draft = Action.objects.create(
        name="Évaluation en cours de relecture",
        kind="gratuite",
        place="Rouen",
        start_year=2016,
        first_year=2008,
        last_year=2018,
        treated_refs=["7654005"],
        status=Action.Status.DONE,
    )
    client.force_login(elu)
    assert client.get(reverse("culture:observatory", args=[rouen.slug])).status_code == 200
    assert client.get(draft.get_absolute_url()).status_code == 200
    assert client.post(draft.get_absolute_url(), {"action": "publier"}).status_code == 403
    assert (
        client.post(
            reverse("culture:observatory", args=[rouen.slug]), {"action": "publier"}
        ).status_code
        == 403
    )
    assert client.get(reverse("culture:imports")).status_code == 403


@pytest.mark.slow  # runs the full evaluation job (2 000 placebo draws, synthetic control)
def test_agent_creates_an_observatory_evaluates_and_publishes(client, agent, culture_data):
    client.force_login(agent)
    response = client.post(
        reverse("culture:index"),
        {"name": "Métropole Rouen Normandie", "epci_code": ROUEN_METROPOLE},
    )
    observatory = Observatory.objects.get()
    assert response.status_code == 302 and not observatory.published
    response = client.post(
        reverse("culture:actions"),
        {
            "name": "Gratuité des collections permanentes",
            "kind": "gratuite",
            "place": "Rouen",
            "public": "tous",
            "treated": "7654005, 7654006, 7654010",
            "start_year": 2016,
            "first_year": 2008,
            "last_year": 2018,
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    action = Action.objects.get()
    assert action.status == Action.Status.DONE, action.result  # the job ran (immediate backend)
    assert CultureJob.objects.get(kind="evaluation").status == CultureJob.Status.DONE
    page = client.get(action.get_absolute_url()).content.decode()
    assert "Intervalle de confiance à 95 %" in page and "Tendances parallèles" in page
    client.post(action.get_absolute_url(), {"action": "publier"})
    client.post(observatory.get_absolute_url(), {"action": "publier"})
    client.logout()
    assert client.get(action.get_absolute_url()).status_code == 200
    assert "Gratuité des collections" in client.get(observatory.get_absolute_url()).content.decode()


def test_unpublished_evaluation_stays_hidden_from_anonymous_readers(client, culture_data):
    action = Action.objects.create(
        name="Brouillon secret",
        kind="gratuite",
        place="Rouen",
        start_year=2016,
        first_year=2008,
        last_year=2018,
        treated_refs=["7654005"],
        status=Action.Status.DONE,
        result={},
    )
    assert client.get(action.get_absolute_url()).status_code == 404
    assert "Brouillon secret" not in client.get(reverse("culture:actions")).content.decode()


def test_action_form_refuses_unknown_references_in_french(client, agent, culture_data):
    client.force_login(agent)
    response = client.post(
        reverse("culture:actions"),
        {
            "name": "X",
            "kind": "autre",
            "place": "Rouen",
            "treated": "9999999",
            "start_year": 2016,
            "first_year": 2008,
            "last_year": 2018,
        },
    )
    assert "Références inconnues" in response.content.decode()
    assert not Action.objects.exists()


def test_upload_of_an_older_geography_fails_as_a_job_with_the_line(client, agent, culture_data):
    client.force_login(agent)
    upload = SimpleUploadedFile("pauvrete.csv", OLD_GEOGRAPHY.read_bytes(), content_type="text/csv")
    response = client.post(reverse("culture:imports"), {"kind": "indicateurs", "file": upload})
    job = CultureJob.objects.get()
    assert response.status_code == 302 and job.status == CultureJob.Status.FAILED
    page = client.get(job.get_absolute_url()).content.decode()
    assert "ligne 3" in page and "Cressy" in page and "rien n&#x27;a été écrit" in page
    assert not Indicator.objects.exists()


def test_anonymous_reader_is_sent_to_login_for_imports(client, db):
    response = client.get(reverse("culture:imports"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_series_page_shows_flags_and_chart(client, culture_data):
    html = client.get(reverse("culture:series", args=["7654006"])).content.decode()
    assert "Le Secq des Tournelles" in html and "toutes les entrées comptées payantes" in html
    assert "<svg" in html
    listing = client.get(
        reverse("culture:series_list"), {"departement": "76", "signales": "1"}
    ).content.decode()
    assert "Juliobona" in listing


def test_cli_eval_prints_json(culture_data):
    out = io.StringIO()
    call_command("culture", "eval", "totals", stdout=out)
    data = json.loads(out.getvalue())
    assert data["target"] == "totals" and "2016" in data["result"]["par_annee"]
    out = io.StringIO()
    call_command("culture", "eval", "access", "--epci", ROUEN_METROPOLE, stdout=out)
    assert len(json.loads(out.getvalue())["result"]["communes"]) == 71


def test_access_can_count_other_kinds_of_venues(client, rouen):
    from territoria.culture import museums

    from .conftest import VENUES

    museums.import_venues(VENUES)
    rouen.published = True
    rouen.save()
    url = reverse("culture:observatory_csv", args=[rouen.slug])
    libraries = client.get(url, {"types": "bibliotheque"}).content.decode()
    assert "Médiathèque exemple du centre" in libraries and "Beaux-Arts" not in libraries
    page = client.get(reverse("culture:observatory", args=[rouen.slug])).content.decode()
    assert "Lieux pris en compte" in page
