"""Sub-theme and audience counts (issue 12): shown like the other facets, on the list page's
options, the search page's facets and the API, and each count is the number of projects that
choosing the value gives — with the active filters, the text query and the reader's rights."""

import re

import pytest
from django.test import Client

from territoria.registre.factories import ProjectFactory
from territoria.registre.vocabulary import Lifecycle


@pytest.fixture
def projects(organisation, other_organisation):
    ProjectFactory(
        organisation=organisation,
        nom_projet="Fuites d'eau",
        theme="transition_ecologique",
        sous_themes=["gestion_eau", "prevention_risques"],
        audiences=["agent", "elu"],
    )
    ProjectFactory(
        organisation=other_organisation,
        nom_projet="Crues et réseau d'eau",
        theme="transition_ecologique",
        sous_themes=["prevention_risques"],
        audiences=["grand_public"],
    )
    ProjectFactory(
        organisation=other_organisation,
        nom_projet="Chatbot usagers",
        theme="mobilites",
        sous_themes=["flux_trafic"],
        audiences=["grand_public", "agent"],
    )
    ProjectFactory(  # the agent's draft: counted for the agent only
        organisation=organisation,
        nom_projet="Brouillon eau",
        theme="transition_ecologique",
        sous_themes=["gestion_eau"],
        audiences=["agent"],
        lifecycle=Lifecycle.DRAFT,
    )


def _client(user):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def _list_options(client, params, name):
    """{code: count} of the list page's <select name=…> options (label « … (N) »)."""
    html = client.get("/registre/", params).content.decode()
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.DOTALL).group(1)
    options = re.findall(r'<option value="([^"]+)"[^>]*>[^<]*\((\d+)\)</option>', select)
    return {code: int(count) for code, count in options}


def _total(client, params):
    return client.get("/api/registre/recherche/", {**params, "limit": 1}).json()["count"]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"theme": "transition_ecologique"},
        {"q": "eau", "mode": "lexical"},
        {"audience": "agent"},
    ],
)
@pytest.mark.parametrize("reader", ["anonymous", "agent"])
def test_sub_theme_and_audience_counts_are_the_totals_they_lead_to(projects, agent, params, reader):
    client = _client(agent if reader == "agent" else None)
    facets = {
        f["name"]: {v["code"]: v["count"] for v in f["values"]}
        for f in client.get("/api/registre/facettes/", params).json()["facets"]
    }
    for name in ("sous_theme", "audience"):
        options = _list_options(client, params, name)
        assert options, f"no counted option for {name}"
        for code, count in options.items():
            assert facets[name].get(code, 0) == count, (name, code)
            assert _total(client, {**params, name: code}) == count, (name, code, params)
    # The search page shows the same counts beside each value.
    html = client.get("/registre/recherche/", params).content.decode()
    assert re.search(r"Gestion de l&#x27;eau</a>\s*<span class=\"count\">\s*\d+", html), html


def test_counts_follow_the_reader_and_the_filters(projects, agent):
    anonymous, logged = _client(None), _client(agent)
    assert _list_options(anonymous, {}, "sous_theme")["gestion_eau"] == 1
    assert _list_options(logged, {}, "sous_theme")["gestion_eau"] == 2  # + her draft
    assert _list_options(anonymous, {}, "audience")["grand_public"] == 2
    assert _list_options(anonymous, {"theme": "mobilites"}, "audience") == {
        **{code: 0 for code in _list_options(anonymous, {}, "audience")},
        "grand_public": 1,
        "agent": 1,
    }
