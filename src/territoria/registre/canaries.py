"""The register's restricted values for the leak crawler (declared in apps.py; tests only).

`plant(needle)` creates records whose restricted fields, private objects and history hold
DISTINCTIVE values made by `needle(name, suffix="")`, and says where they hide; the crawl
(tests/security/test_no_restricted_leak.py) proves no anonymous reader ever gets one, and
that the witness (an agent of the organisation) does. Restricted vocabulary fields cannot
hold a distinctive text: they are checked by twins (two projects with the same public values
and different restricted choices). Imports test tooling (factory_boy): never imported by
the running platform.
"""

from territoria.core import tokens
from territoria.core.audit import acting_as
from territoria.core.models import AuditLog, Role, User
from territoria.core.modules import Canaries, SearchProbe, Twin
from territoria.registre import schema
from territoria.registre.factories import OrganisationFactory, ProjectFactory
from territoria.registre.models import ErrorReport, Project
from territoria.registre.services import workflow
from territoria.registre.vocabulary import Lifecycle

TEXT_RESTRICTED = [s for s in schema.FIELDS if not s.is_public and s.vocabulary is None]
VOCAB_RESTRICTED = [s for s in schema.FIELDS if not s.is_public and s.vocabulary is not None]

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


def restricted_text_values(needle, suffix: str) -> dict:
    values = {}
    for spec in TEXT_RESTRICTED:
        token = needle(spec.name.replace("_", ""), suffix)
        if spec.name == "projet_contact":
            values[spec.attr] = f"{token.lower()}@example.org"
        elif spec.name.startswith("url_"):
            values[spec.attr] = f"https://{token.lower()}.example.org/"
        else:
            values[spec.attr] = f"Texte {token} confidentiel"
    return values


class _World:
    def __init__(self, needle):
        self.needle = needle
        self.needles: dict[str, str] = {}
        self.proof: list[str] = []

    def hide(self, value: str, where: str, proof: bool = True):
        self.needles[value] = where
        if proof:
            self.proof.append(value)

    def published_with_history(self, org, agent, moderator) -> Project:
        """A published project whose restricted values were edited (old values live in the
        history), after a send-back whose reason lives in the history too."""
        needle = self.needle
        project = ProjectFactory(
            organisation=org,
            nom_projet="Projet public de Fuiteville",
            usage_description="Tri automatique du courrier entrant des services.",
            lifecycle=Lifecycle.DRAFT,
            **restricted_text_values(needle, "old"),
        )
        workflow.submit(project, agent)
        workflow.send_back(project, moderator, f"Motif {needle('moderationnote')}")
        for attr, value in restricted_text_values(needle, "").items():
            setattr(project, attr, value)
        workflow.save_project(project, agent, expected_version=project.version)
        workflow.submit(project, agent)
        workflow.publish(project, moderator)
        for spec in TEXT_RESTRICTED:
            name = spec.name.replace("_", "")
            self.hide(needle(name, "old"), f"history diff of restricted field {spec.name}")
            self.hide(needle(name), f"restricted field {spec.name}")
        self.hide(needle("moderationnote"), "moderation note (send-back reason) in the history")
        return project

    def private(self, org, state: str) -> Project:
        """A non-published project: even its public fields are private."""
        needle = self.needle
        tokens = [
            needle(f"{state}name"),
            needle(f"{state}desc"),
            needle(f"{state}partner"),
            needle(f"{state}note"),
        ]
        project = ProjectFactory(
            organisation=org,
            nom_projet=f"Projet {tokens[0]}",
            lifecycle=state,
            usage_description=f"Description {tokens[1]}",
            partenaires=tokens[2],
            moderation_note=f"Motif {tokens[3]}",
        )
        for token in tokens:
            self.hide(token, f"{state} project")
        return project


def plant(needle) -> Canaries:
    world = _World(needle)
    org = OrganisationFactory(
        name="Ville de Fuiteville", contact_email=f"{needle('orgcontact')}@example.org".lower()
    )
    other_org = OrganisationFactory(name="Communauté Témoin")
    agent = User.objects.create_user(
        "agent-fuiteville",
        password="motdepasse-test-1",
        role=Role.AGENT,
        organisation=org,
        email=f"{needle('agentmail')}@example.org".lower(),
    )
    moderator = User.objects.create_user(
        "moderation",
        password="motdepasse-test-1",
        role=Role.MODERATOR,
        email=f"{needle('modmail')}@example.org".lower(),
    )
    # Only its hash is stored: the secret must never come back on any page.
    _, token = tokens.issue(owner=agent, name="leak", scopes=["registre:read", "registre:write"])
    world.hide(token, "API token of the agent", proof=False)
    for email, where in (
        (org.contact_email, "organisation contact e-mail"),
        (agent.email, "agent e-mail"),
        (moderator.email, "moderator e-mail"),
    ):
        world.hide(email.split("@")[0], where, proof=False)

    with acting_as(agent):
        published = world.published_with_history(org, agent, moderator)
        twin_a = ProjectFactory(
            organisation=other_org, nom_projet="Jumeau Alpha", explicabilite="moyen", **TWIN_A
        )
        twin_b = ProjectFactory(
            organisation=other_org, nom_projet="Jumeau Beta", explicabilite="moyen", **TWIN_B
        )
        drafts = [world.private(org, s) for s in Lifecycle.values if s != Lifecycle.PUBLISHED]
        report = ErrorReport.objects.create(
            project=published,
            field_name="theme",
            message=f"Signalement {needle('reportbody')}",
            reporter_email=f"{needle('reporteremail').lower()}@example.org",
        )
    world.hide(needle("reportbody"), "error report body")
    world.hide(needle("reporteremail").lower(), "error report e-mail")

    projects = [published, twin_a, twin_b, *drafts]
    ids = [str(p.pk) for p in projects] + [str(org.pk), str(other_org.pk), str(report.pk)]
    ids += [str(pk) for pk in (agent.pk, moderator.pk)]
    ids += [str(pk) for pk in AuditLog.objects.order_by("id").values_list("id", flat=True)[:4]]
    ids += ["registre", "projets", org.siret, "fuiteville", "agent-fuiteville"]
    history = f"/api/registre/projets/{published.pk}/historique/"
    return Canaries(
        needles=world.needles,
        proof=world.proof,
        witness=agent,
        witness_seeds=[history],
        ids=ids,
        focus=[str(published.pk), str(drafts[0].pk), str(twin_a.pk), str(twin_b.pk)],
        seeds=["/registre/"],
        must_visit=[
            f"/registre/projets/{published.pk}/",
            "/registre/flux.atom",
            history,
            "/api/registre/projets/",
        ],
        list_variants=[
            {"q": needle("financement")},
            {"q": needle("draftname")},
            {"statut": "draft"},
            {"lifecycle": "draft"},
            {"etat": "brouillon"},
            {"organisation": "fuiteville"},
        ],
        twins=[
            Twin(
                id_a=str(twin_a.pk),
                id_b=str(twin_b.pk),
                name_a=twin_a.nom_projet,
                name_b=twin_b.nom_projet,
                labels={
                    spec.name: (
                        spec.vocabulary.label(TWIN_A[spec.attr]),
                        spec.vocabulary.label(TWIN_B[spec.attr]),
                    )
                    for spec in VOCAB_RESTRICTED
                },
                filters={
                    spec.name: (TWIN_A[spec.attr], TWIN_B[spec.attr]) for spec in VOCAB_RESTRICTED
                },
                witness_url=f"/api/registre/projets/{twin_a.pk}/",
            )
        ],
        search_probes=[
            SearchProbe(needle(spec.name.replace("_", "")), published.nom_projet)
            for spec in TEXT_RESTRICTED
        ],
        closed_routes=["registre:api_token"],
    )
