"""The governance module's restricted values for the leak crawler (declared in apps.py; tests only).

Restricted: trust evidence and comments, obligation owners, the reviewer's note, citizens'
e-mails and messages not yet moderated (or refused), and everything about a record the
reader may not see (a draft's classification). Imports test tooling (factory_boy).
"""

from territoria.core.models import Role, User
from territoria.core.modules import Canaries
from territoria.gouvernance import services
from territoria.gouvernance.models import CitizenMessage
from territoria.registre.factories import OrganisationFactory, ProjectFactory
from territoria.registre.vocabulary import Lifecycle

MINIMAL = {
    "systeme_ia": "oui",
    "exclusion": "non",
    "role": "deployeur",
    "devient_fournisseur": [],
    "pratiques_interdites": [],
    "annexe_i": "non",
    "annexe_iii": [],
    "transparence": [],
}


def plant(needle) -> Canaries:
    organisation = OrganisationFactory(name="Commune des gardiens de la gouvernance")
    author = User.objects.create_user(
        "gouv-auteur", password="motdepasse-test-1", role=Role.AGENT, organisation=organisation
    )
    outsider = User.objects.create_user(
        "gouv-voisin",
        password="motdepasse-test-1",
        role=Role.AGENT,
        organisation=OrganisationFactory(name="Commune voisine de la gouvernance"),
    )
    reviewer = User.objects.create_user(
        "gouv-relecteur", password="motdepasse-test-1", role=Role.MODERATOR
    )
    public = ProjectFactory(organisation=organisation, nom_projet="Projet gouverné public")
    draft = ProjectFactory(
        organisation=organisation,
        nom_projet=f"Brouillon {needle('gouvdraft')}",
        lifecycle=Lifecycle.DRAFT,
    )

    classification = services.save_classification(public, MINIMAL, author, submit=True)
    services.validate_classification(classification, reviewer, note=f"Note {needle('gouvnote')}")
    obligation = classification.obligations.first()
    obligation.owner = f"Responsable {needle('gouvowner')}"
    obligation.save()
    services.save_trust(
        public,
        {
            "autonomie": {
                "answer": "partiel",
                "evidence": f"Preuve {needle('gouvevidence')}",
                "comment": f"Commentaire {needle('gouvcomment')}",
            }
        },
        author,
    )
    services.save_classification(draft, MINIMAL, author, submit=False)
    CitizenMessage.objects.create(
        project=public,
        body=f"Question {needle('gouvpending')}",
        author_email=f"{needle('gouvemail').lower()}@example.org",
    )
    CitizenMessage.objects.create(
        project=public, body=f"Spam {needle('gouvrejected')}", status=CitizenMessage.Status.REJECTED
    )
    CitizenMessage.objects.create(
        project=public,
        body="Une question publiée",
        status=CitizenMessage.Status.PUBLISHED,
        author_email=f"{needle('gouvpubemail').lower()}@example.org",
    )
    needles = {
        needle("gouvdraft"): "name of an unpublished record (gouvernance pages)",
        needle("gouvnote"): "reviewer's note of a classification",
        needle("gouvowner"): "owner of an obligation",
        needle("gouvevidence"): "evidence of a trust self-assessment",
        needle("gouvcomment"): "comment of a trust self-assessment",
        needle("gouvpending"): "citizen message not yet moderated",
        needle("gouvemail"): "e-mail of a citizen (pending message)",
        needle("gouvrejected"): "refused citizen message",
        needle("gouvpubemail"): "e-mail of a citizen (published message)",
    }
    base = f"/gouvernance/projets/{public.pk}/"
    return Canaries(
        needles=needles,
        proof=[
            needle("gouvnote"),
            needle("gouvowner"),
            needle("gouvevidence"),
            needle("gouvcomment"),
            needle("gouvpending"),
        ],
        witness=reviewer,
        outsider=outsider,
        witness_seeds=[base, f"{base}classification/v1/"],
        ids=[str(public.pk), str(draft.pk), str(organisation.pk)],
        focus=[str(public.pk), str(draft.pk)],
        # The draft's pages are linked from nowhere a reader can see: asked for directly.
        seeds=[
            "/gouvernance/",
            f"/gouvernance/organisations/{organisation.pk}/observatoire/",
            f"/api/gouvernance/organisations/{organisation.pk}/observatoire/",
            f"/gouvernance/projets/{draft.pk}/",
            f"/gouvernance/projets/{draft.pk}/classification/v1/",
            f"/api/gouvernance/projets/{draft.pk}/",
        ],
        must_visit=[
            base,
            f"{base}classification/v1/",
            f"/api/gouvernance/projets/{public.pk}/",
            f"/gouvernance/projets/{draft.pk}/",
        ],
    )
