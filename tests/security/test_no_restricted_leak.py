"""The crawl: restricted data never reaches an anonymous reader, by any route.

Records are created whose restricted fields, private objects and history hold DISTINCTIVE values
("LEAK…7f3a"); then, as an anonymous reader, every URL pattern of the project is requested with
the ids of those objects and with the query parameters of filters, search and exports, every
same-host link of the pages is followed, and no response may contain any distinctive value.
Restricted vocabulary fields cannot hold a distinctive text: they are checked by twins (two
projects with the same public values and different restricted values) whose pages must not differ
in those labels, and restricted filters must not change which twin a list shows.

The routes are discovered from the URLconf, so pages, exports, search and dashboards added by
anyone are crawled without editing this test.
"""

import datetime
import logging
import uuid

import pytest
from django.test import Client

from territoria.core import tokens
from territoria.core.audit import acting_as
from territoria.core.models import AuditLog, Role, User
from territoria.registre import schema
from territoria.registre.factories import OrganisationFactory, ProjectFactory
from territoria.registre.models import ErrorReport, Project
from territoria.registre.services import workflow
from territoria.registre.vocabulary import Lifecycle
from tests.security.crawl import CONTROL_TOKEN, Crawler, walk

TAG = "7f3a"


def needle(name: str, suffix: str = "") -> str:
    """One alphanumeric token: survives HTML/JSON escaping, highlighting and tokenisation."""
    return f"LEAK{name.replace('_', '')}{suffix}{TAG}"


TEXT_RESTRICTED = [s for s in schema.FIELDS if not s.is_public and s.vocabulary is None]
VOCAB_RESTRICTED = [s for s in schema.FIELDS if not s.is_public and s.vocabulary is not None]


def restricted_text_values(suffix: str) -> dict:
    values = {}
    for spec in TEXT_RESTRICTED:
        token = needle(spec.name, suffix)
        if spec.name == "projet_contact":
            values[spec.attr] = f"{token.lower()}@example.org"
        elif spec.name.startswith("url_"):
            values[spec.attr] = f"https://{token.lower()}.example.org/"
        else:
            values[spec.attr] = f"Texte {token} confidentiel"
    return values


# Twins differ only in restricted vocabulary values; labels chosen so none contains another.
TWIN_A = {
    "budget": "moins_50k",
    "mise_en_oeuvre": "marche_public",
    "hebergement": "cloud_tiers",
    "type_algorithme": "computer_vision",
    "donnees_source": "tiers",
    "donnees_acces": "manuelle",
    "erreur": "fort",
}
TWIN_B = {
    "budget": "plus_100k",
    "mise_en_oeuvre": "interne",
    "hebergement": "interne",
    "type_algorithme": "reseaux_neurones",
    "donnees_source": "open_data",
    "donnees_acces": "api",
    "erreur": "faible",
}


class LeakWorld:
    """The objects of the crawl and the distinctive values hidden in them."""

    def __init__(self):
        self.needles: dict[str, str] = {}  # needle -> where it hides
        self.project_needles: list[str] = []  # those an agent of the organisation must see
        self.org = OrganisationFactory(
            name="Ville de Fuiteville", contact_email=f"leakorgcontact{TAG}@example.org"
        )
        self.other_org = OrganisationFactory(name="Communauté Témoin")
        self.agent = User.objects.create_user(
            "agent-fuiteville",
            password="motdepasse-test-1",
            role=Role.AGENT,
            organisation=self.org,
            email=f"leakagentmail{TAG}@example.org",
        )
        self.moderator = User.objects.create_user(
            "moderation",
            password="motdepasse-test-1",
            role=Role.MODERATOR,
            email=f"leakmodmail{TAG}@example.org",
        )
        # Only its hash is stored: the secret must never come back on any page.
        _, self.token = tokens.issue(
            owner=self.agent, name="leak", scopes=["registre:read", "registre:write"]
        )
        self._hide(self.token, "API token of the agent", proof=False)
        for email, where in (
            (self.org.contact_email, "organisation contact e-mail"),
            (self.agent.email, "agent e-mail"),
            (self.moderator.email, "moderator e-mail"),
        ):
            self._hide(email.split("@")[0], where, proof=False)

        with acting_as(self.agent):
            self.published = self._published_with_history()
            self.twin_a = ProjectFactory(
                organisation=self.other_org,
                nom_projet="Jumeau Alpha",
                explicabilite="moyen",
                **TWIN_A,
            )
            self.twin_b = ProjectFactory(
                organisation=self.other_org,
                nom_projet="Jumeau Beta",
                explicabilite="moyen",
                **TWIN_B,
            )
            self.drafts = [
                self._private(state) for state in Lifecycle.values if state != Lifecycle.PUBLISHED
            ]
            self.report = ErrorReport.objects.create(
                project=self.published,
                field_name="theme",
                message=f"Signalement {needle('reportbody')}",
                reporter_email=f"{needle('reporteremail').lower()}@example.org",
            )
        self._hide(needle("reportbody"), "error report body")
        self._hide(needle("reporteremail").lower(), "error report e-mail")

    def _hide(self, value: str, where: str, proof: bool = True):
        self.needles[value] = where
        if proof:
            self.project_needles.append(value)

    def _published_with_history(self) -> Project:
        """A published project whose restricted values were edited (old values live in the history),
        after a send-back whose reason lives in the history too."""
        project = ProjectFactory(
            organisation=self.org,
            nom_projet="Projet public de Fuiteville",
            usage_description="Tri automatique du courrier entrant des services.",
            lifecycle=Lifecycle.DRAFT,
            **restricted_text_values("old"),
        )
        workflow.submit(project, self.agent)
        workflow.send_back(project, self.moderator, f"Motif {needle('moderationnote')}")
        for attr, value in restricted_text_values("").items():
            setattr(project, attr, value)
        workflow.save_project(project, self.agent, expected_version=project.version)
        workflow.submit(project, self.agent)
        workflow.publish(project, self.moderator)
        for spec in TEXT_RESTRICTED:
            self._hide(needle(spec.name, "old"), f"history diff of restricted field {spec.name}")
            self._hide(needle(spec.name), f"restricted field {spec.name}")
        self._hide(needle("moderationnote"), "moderation note (send-back reason) in the history")
        return project

    def _private(self, state: str) -> Project:
        """A non-published project: even its public fields are private."""
        name = needle(f"{state}name")
        project = ProjectFactory(
            organisation=self.org,
            nom_projet=f"Projet {name}",
            lifecycle=state,
            usage_description=f"Description {needle(state + 'desc')}",
            partenaires=needle(f"{state}partner"),
            moderation_note=f"Motif {needle(state + 'note')}",
        )
        for token in (
            name,
            needle(state + "desc"),
            needle(f"{state}partner"),
            needle(state + "note"),
        ):
            self._hide(token, f"{state} project")
        return project

    def focus_ids(self) -> list[str]:
        return [
            str(self.published.pk),
            str(self.drafts[0].pk),
            str(self.twin_a.pk),
            str(self.twin_b.pk),
        ]

    def id_pool(self) -> list[str]:
        projects = [self.published, self.twin_a, self.twin_b, *self.drafts]
        uuids = [str(p.pk) for p in projects] + [
            str(self.org.pk),
            str(self.other_org.pk),
            str(self.report.pk),
        ]
        ints = [str(pk) for pk in (self.agent.pk, self.moderator.pk)]
        ints += [str(pk) for pk in AuditLog.objects.order_by("id").values_list("id", flat=True)[:4]]
        words = [
            "json",
            "csv",
            "xlsx",
            "ods",
            "geojson",
            "parquet",
            "atom",
            "rss",
            "tous",
            "registre",
            "projets",
            self.org.siret,
            "fuiteville",
            "agent-fuiteville",
            "1",
            "0",
        ]
        return uuids + [str(uuid.uuid4())] + ints + words


LIST_VARIANTS = [
    {"q": "LEAK"},
    {"q": TAG},
    {"q": needle("financement")},
    {"q": needle("draftname")},
    {"format": "json"},
    {"format": "csv"},
    {"format": "xlsx"},
    {"format": "geojson"},
    {"format": "ods"},
    {"champs": "tous"},
    {"champs": "tous", "format": "csv"},
    {"champs": "tous", "format": "xlsx"},
    {"fields": "all"},
    {"export": "csv"},
    {"page": "2"},
    {"statut": "draft"},
    {"lifecycle": "draft"},
    {"etat": "brouillon"},
    {"organisation": "fuiteville"},
]
DETAIL_VARIANTS = [
    {"format": "json"},
    {"format": "csv"},
    {"format": "xlsx"},
    {"champs": "tous"},
    {"champs": "tous", "format": "csv"},
    {"q": "LEAK"},
]


@pytest.fixture(autouse=True)
def quiet_request_log():
    """Thousands of expected 401/403/404 would flood the output."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture
def world(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return LeakWorld()


def routes():
    return list(walk())


def _counts(text: str, spec, code: str) -> int:
    return text.count(spec.vocabulary.label(code))


def test_anonymous_crawl_finds_no_restricted_value(world):
    all_routes = routes()
    crawler = Crawler(
        Client(raise_request_exception=False),
        world.id_pool(),
        LIST_VARIANTS,
        DETAIL_VARIANTS,
        focus=world.focus_ids(),
        max_requests=10000,
    )
    result = crawler.crawl(all_routes, seeds=["/", "/registre/", "/api/schema/?format=json"])

    # It really crawled: the routes of the URLconf and the register's known ones.
    assert len([r for r in all_routes if not r.is_admin]) >= 10
    assert len(result.routes_requested) >= 12, sorted(result.routes_requested)
    assert len(result.visited) >= 200
    assert len(result.visited) < crawler.max_requests, (
        "request budget exhausted before the links were all followed"
    )
    must_visit = [
        f"/registre/projets/{world.published.pk}/",
        "/registre/flux.atom",
        "/api/schema/",
        f"/api/registre/projets/{world.published.pk}/historique/",
        "/api/registre/projets/",
    ]
    for url in must_visit:
        assert url in result.visited, f"the crawl never requested {url}"

    # Every problem is listed at once, so one failure does not hide another.
    problems = []
    unfillable_app = [r for r in result.unfillable if not r.startswith("/admin/")]
    if unfillable_app:
        problems.append(f"routes the crawl cannot fill (extend id_pool): {unfillable_app}")
    problems += [
        f"restricted value reached an anonymous reader: {world.needles[n]} ({n}) at {url}"
        for n, url in crawler.leaks(list(world.needles))
    ]
    # Twins: a page about twin A must not show A's restricted labels more than twin B's page does.
    for url_a, text_a in result.texts.items():
        if str(world.twin_a.pk) not in url_a:
            continue
        text_b = result.texts.get(url_a.replace(str(world.twin_a.pk), str(world.twin_b.pk)))
        if text_b is None:
            continue
        for spec in VOCAB_RESTRICTED:
            a, b = TWIN_A[spec.attr], TWIN_B[spec.attr]
            if _counts(text_a, spec, a) > _counts(text_b, spec, a) and _counts(
                text_b, spec, b
            ) > _counts(text_a, spec, b):
                problems.append(
                    f"restricted vocabulary field {spec.name} shown to anonymous readers at {url_a}"
                )
    errors = sorted(url for url, status in result.visited.items() if status >= 500)
    problems += [f"server error (bad input must give a French 4xx): {url}" for url in errors[:30]]
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)


def test_restricted_filters_are_no_oracle_for_anonymous_readers(world):
    """Filtering on a restricted field must not tell which twin has which value."""
    client = Client(raise_request_exception=False)
    list_routes = [r for r in routes() if not r.params and not r.is_admin]
    oracles = []
    for route in list_routes:
        for spec in VOCAB_RESTRICTED:
            with_a = client.get(route.template, {spec.name: TWIN_A[spec.attr]})
            with_b = client.get(route.template, {spec.name: TWIN_B[spec.attr]})
            if (
                with_a.status_code != 200
                or with_b.status_code != 200
                or getattr(with_a, "streaming", False)
            ):
                continue
            text_a, text_b = (
                with_a.content.decode(errors="replace"),
                with_b.content.decode(errors="replace"),
            )
            if (
                "Jumeau Alpha" in text_a
                and "Jumeau Beta" not in text_a
                and "Jumeau Beta" in text_b
                and "Jumeau Alpha" not in text_b
            ):
                oracles.append(f"{route.template}?{spec.name}=…")
    assert not oracles, f"restricted filters applied for anonymous readers: {oracles}"


def test_restricted_text_is_no_search_oracle_for_anonymous_readers(world):
    """Searching a restricted value must not find the project for an anonymous reader (its name
    would reveal the value even if the snippet hides it). Each query has a control: the same token
    with another tag, which no record holds — semantic search ranks both alike, words do not."""
    client = Client(raise_request_exception=False)
    name = world.published.nom_projet
    oracles = []
    for route in [r for r in routes() if not r.params and not r.is_admin]:
        for param in ("q", "search", "recherche"):
            probe = client.get(route.template, {param: CONTROL_TOKEN})
            if probe.status_code != 200 or getattr(probe, "streaming", False):
                continue
            for spec in TEXT_RESTRICTED:
                token = needle(spec.name)
                found = client.get(route.template, {param: token})
                control = client.get(route.template, {param: token.replace(TAG, "9b2c")})
                if (
                    found.status_code == 200
                    and name in found.content.decode(errors="replace")
                    and name not in control.content.decode(errors="replace")
                ):
                    oracles.append(f"{route.template}?{param}={token}")
    assert not oracles, (
        f"a search on restricted text finds the project for anonymous readers: {oracles}"
    )


def test_agent_does_see_the_values(world):
    """The distinctive values are really there: the agent of the organisation reads them."""
    client = Client(raise_request_exception=False)
    client.force_login(world.agent)
    crawler = Crawler(
        client,
        world.id_pool(),
        [],
        [{"champs": "tous"}],
        focus=world.focus_ids(),
        max_requests=2500,
    )
    result = crawler.crawl(
        [r for r in routes() if not r.is_admin],
        seeds=[f"/api/registre/projets/{world.published.pk}/historique/"],
    )
    seen = "\n".join(result.texts.values()).lower()
    missing = [f"{world.needles[n]} ({n})" for n in world.project_needles if n.lower() not in seen]
    assert not missing, f"the agent never saw: {missing}"
    for spec in VOCAB_RESTRICTED:  # the twins' restricted labels reach a reader who may see them
        assert (
            spec.vocabulary.label(TWIN_A[spec.attr])
            in result.texts[f"/api/registre/projets/{world.twin_a.pk}/"]
        )


def test_admin_and_account_routes_are_closed_to_anonymous(world):
    client = Client(raise_request_exception=False)
    for route in routes():
        if not (route.is_admin or route.name in ("registre:api_token",)):
            continue
        if route.params or route.name in ("admin:login", "admin:logout"):  # public by nature
            continue
        response = client.get(route.template)
        assert response.status_code in (301, 302, 401, 403, 404, 405), (
            route.template,
            response.status_code,
        )
        if response.status_code in (301, 302):
            assert "login" in response["Location"] or "connexion" in response["Location"], (
                route.template
            )


def test_world_values_are_really_stored(world):
    assert Project.objects.filter(financement__contains=needle("financement")).exists()
    history = [
        str(entry.changes) for entry in AuditLog.objects.filter(object_id=str(world.published.pk))
    ]
    assert any(needle("financement", "old") in text for text in history)
    assert datetime.date.today() >= world.published.content_updated_on
