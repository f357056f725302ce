"""Open data's unpublished values for the leak crawler (declared in apps.py; tests only).

What only the producing organisation may see holds DISTINCTIVE values: a version in review
(its rows and a flagged e-mail column), the columns dropped at publication (also in a preview
stored before publish() cleaned it), a dataset never published, a resource never published in
a published dataset. The crawl (tests/security/) requests every route with the ids of those
objects, as an anonymous reader and as the agent of another organisation, and must find none;
the producing organisation's agent (the witness) finds them. Imports test tooling
(factory_boy): never imported by the running platform.
"""

from django.core.files.uploadedfile import SimpleUploadedFile

from territoria.core.models import Role, User
from territoria.core.modules import Canaries
from territoria.opendata import publishing
from territoria.opendata.models import Dataset, Resource, ResourceVersion, VersionStatus
from territoria.registre.factories import OrganisationFactory


def _receive(resource: Resource, text: str) -> ResourceVersion:
    version = publishing.receive_file(
        resource, SimpleUploadedFile("donnees.csv", text.encode()), "donnees.csv"
    )
    assert version.status == VersionStatus.REVIEW, version.error
    return version


class OpenDataWorld:
    def __init__(self, needle):
        self.needle = needle
        self.needles: dict[str, str] = {}
        self.org = OrganisationFactory(name="Ville de Fuiteville")
        self.other_org = OrganisationFactory(name="Communauté Témoin")
        self.agent = User.objects.create_user(
            "od-agent", password="motdepasse-test-1", role=Role.AGENT, organisation=self.org
        )
        self.other_agent = User.objects.create_user(
            "od-autre", password="motdepasse-test-1", role=Role.AGENT, organisation=self.other_org
        )
        self.dataset = Dataset.objects.create(
            title="Subventions publiques", description="Publié.", organisation=self.org
        )
        self.resource = Resource.objects.create(dataset=self.dataset, title="Montants")
        # v1: published, its e-mail column dropped.
        dropped = f"{self.canary('dropped').lower()}@example.org"
        v1 = _receive(self.resource, f"nom;montant;courriel\nAsso A;10;{dropped}\nAsso B;20;x\n")
        blockers = publishing.request_publication(
            v1, drop=["courriel"], confirmed=[f["column"] for f in v1.personal_data]
        )
        assert not blockers, blockers
        v1.refresh_from_db()
        assert v1.status == VersionStatus.PUBLISHED, v1.error
        self.hide(self.canary("dropped").lower(), "column dropped at publication")
        # A preview stored before publish() cleaned it still holds the dropped column.
        ResourceVersion.objects.filter(pk=v1.pk).update(preview=[["Asso A", 10, dropped]])
        self.published = v1
        # v2: in review, with rows and a flagged e-mail column.
        review_mail = f"{self.canary('reviewmail').lower()}@example.org"
        self.review = _receive(
            self.resource, f"nom;montant;courriel\n{self.canary('reviewrow')};30;{review_mail}\n"
        )
        self.hide(self.canary("reviewrow"), "row of a version in review")
        self.hide(self.canary("reviewmail").lower(), "personal data of a version in review")
        # A resource never published in the published dataset.
        self.draft_resource = Resource.objects.create(
            dataset=self.dataset, title=f"Brouillon {self.canary('draftresource')}"
        )
        self.draft_version = _receive(self.draft_resource, f"a;b\n{self.canary('draftrow')};1\n")
        self.hide(self.canary("draftresource"), "title of a resource never published")
        self.hide(self.canary("draftrow"), "row of a resource never published")
        # A dataset never published.
        self.hidden = Dataset.objects.create(
            title=f"Jeu {self.canary('hiddentitle')}",
            description=f"Description {self.canary('hiddendesc')}",
            organisation=self.org,
        )
        self.hidden_resource = Resource.objects.create(dataset=self.hidden, title="Ressource")
        self.hidden_version = _receive(self.hidden_resource, f"a;b\n{self.canary('hiddenrow')};1\n")
        self.hide(self.canary("hiddentitle"), "title of a dataset never published")
        self.hide(self.canary("hiddendesc"), "description of a dataset never published")
        self.hide(self.canary("hiddenrow"), "row of a dataset never published")

    def canary(self, name: str) -> str:
        return self.needle(f"od{name}")

    def hide(self, value: str, where: str) -> None:
        self.needles[value] = where

    def pool(self) -> list[str]:
        versions = [self.published, self.review, self.draft_version, self.hidden_version]
        resources = [self.resource, self.draft_resource, self.hidden_resource]
        return (
            [str(v.pk) for v in versions]
            + [str(r.pk) for r in resources]
            + [self.dataset.slug, self.hidden.slug]
            + [r.slug for r in resources]
            + [r.table_name for r in resources]
            + ["csv", "json", "parquet", "1", "2"]
        )

    def seeds(self) -> list[str]:
        urls = ["/donnees/", "/donnees/catalogue.jsonld", "/api/opendata/datasets/"]
        for dataset in (self.dataset, self.hidden):
            urls += [f"/donnees/{dataset.slug}/", f"/api/opendata/datasets/{dataset.slug}/"]
        for resource in (self.resource, self.draft_resource, self.hidden_resource):
            base = f"/donnees/{resource.dataset.slug}/{resource.slug}/"
            urls += [base, f"{base}versions/1/", f"{base}versions/2/"]
            urls.append(f"/api/opendata/resources/{resource.pk}/")
            urls.append(f"/api/opendata/tables/{resource.table_name}/rows/?version=2")
            for fmt in ("csv", "json", "parquet"):
                urls.append(f"/api/opendata/tables/{resource.table_name}/download.{fmt}?version=2")
            urls.append(f"/donnees/sql/?sql=SELECT%20*%20FROM%20{resource.table_name}")
            urls.append(f"/api/opendata/sql/?sql=SELECT%20*%20FROM%20{resource.table_name}")
        for version in (self.published, self.review, self.draft_version, self.hidden_version):
            urls.append(f"/api/opendata/versions/{version.pk}/")
        urls += [f"/donnees/?q={self.canary('hiddentitle')}", "/api/opendata/datasets/?q=LEAK"]
        return urls


def plant(needle) -> Canaries:
    world = OpenDataWorld(needle)
    dropped = world.canary("dropped").lower()
    return Canaries(
        needles=dict(world.needles),
        # Nobody reads a dropped column after publication: its canary is no proof.
        proof=[value for value in world.needles if value != dropped],
        witness=world.agent,
        witness_seeds=world.seeds(),
        outsider=world.other_agent,
        ids=world.pool(),
        seeds=world.seeds(),
        must_visit=[f"/api/opendata/versions/{world.review.pk}/"],
    )
