"""The writing help's restricted values for the leak crawler (declared in apps.py): a draft of
an organisation and a writing job of an agent must reach nobody else, anonymous readers first."""

from datetime import date

from territoria.core.models import Organisation, OrganisationType, Role, User
from territoria.core.modules import Canaries


def plant(needle) -> Canaries:
    from territoria.redaction.models import ActDraft, Deliberation, JobKind, JobState, WritingJob

    organisation = Organisation.objects.create(
        name="Commune témoin de la rédaction",
        siret="21765432610007",
        type=OrganisationType.COMMUNE,
    )
    elsewhere = Organisation.objects.create(
        name="Autre commune témoin de la rédaction",
        siret="21498765310009",
        type=OrganisationType.COMMUNE,
    )
    outsider = User.objects.create_user(
        "redaction-autre", password="motdepasse-test-1", role=Role.AGENT, organisation=elsewhere
    )
    writer = User.objects.create_user(
        "redaction-agent", password="motdepasse-test-1", role=Role.AGENT, organisation=organisation
    )
    public = Deliberation.objects.create(
        coll_nom="Commune témoin",
        coll_siret="21765432610007",
        delib_id="T-1",
        date=date(2024, 1, 10),
        subject_code="7.5",
        subject_name="finances locales/subventions",
        object="Subvention publique au club témoin",
    )
    draft = ActDraft.objects.create(
        organisation=organisation,
        author=writer,
        title=f"Projet {needle('drafttitle')}",
        visas=[f"Vu {needle('draftvisa')}"],
        considerants=["Considérant la demande"],
        articles=[f"D'attribuer {needle('draftarticle')}"],
    )
    job = WritingJob.objects.create(
        author=writer,
        organisation=organisation,
        kind=JobKind.MINUTES,
        title=f"Réunion {needle('jobtitle')}",
        source_text=f"Notes confidentielles {needle('jobnotes')}",
        state=JobState.DONE,
        result={"markdown": f"Compte rendu {needle('jobresult')}", "minutes": {"items": []}},
        method="extractive",
    )
    needles = {
        needle("drafttitle"): "title of an organisation's deliberation draft (redaction)",
        needle("draftvisa"): "visa of a draft (redaction)",
        needle("draftarticle"): "article of a draft (redaction)",
        needle("jobtitle"): "title of an agent's writing job (redaction)",
        needle("jobnotes"): "meeting notes given to a writing job (redaction)",
        needle("jobresult"): "output of a writing job (redaction)",
    }
    return Canaries(
        needles=needles,
        proof=list(needles),
        witness=writer,
        outsider=outsider,
        witness_seeds=[
            f"/redaction/projets/{draft.pk}/",
            f"/redaction/travaux/{job.pk}/",
            f"/redaction/travaux/{job.pk}/export/md/",
        ],
        ids=[str(draft.pk), str(job.pk), str(public.pk)],
        focus=[str(draft.pk), str(job.pk)],
        seeds=["/redaction/deliberations/", f"/redaction/deliberations/{public.pk}/"],
        must_visit=[f"/redaction/deliberations/{public.pk}/"],
    )
