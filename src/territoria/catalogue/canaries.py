"""The catalogue's restricted values for the leak crawler (declared in apps.py).

Planted: a negotiated price and a provider contact, an internal evaluation's evidence and
comment, an experiment's budget and journal, the costs and lessons of an unpublished report,
an unpublished solution, an idea and its ideation session. The witness (an agent) must read each of them.
"""

import datetime

from territoria.catalogue.models import (
    Evaluation,
    Experiment,
    Idea,
    IdeationSession,
    Indicator,
    JournalEntry,
    Provider,
    RecordReplication,
    Score,
    Solution,
    SolutionUse,
)
from territoria.core.models import Organisation, OrganisationType, Role, User
from territoria.core.modules import Canaries, SearchProbe


def plant(needle) -> Canaries:
    organisation = Organisation.objects.create(
        name="Commune témoin du catalogue", siret="21380000670001", type=OrganisationType.COMMUNE
    )
    reader = User.objects.create_user(
        "catalogue-lecteur",
        password="motdepasse-test-1",
        role=Role.AGENT,
        organisation=organisation,
    )
    provider = Provider.objects.create(
        name="Fournisseur témoin", contact=f"Contact {needle('catprovidercontact')}"
    )
    solution = Solution.objects.create(
        name="Solution témoin publiée",
        provider=provider,
        description="Une solution publique du catalogue témoin.",
        hosting="sur_site",
        ai_features=["ocr"],
        price_model="licence",
        negotiated_price=f"Prix {needle('catprice')}",
    )
    hidden = Solution.objects.create(
        name=f"Brouillon {needle('catdraftsolution')}",
        provider=provider,
        description=f"Résumé {needle('catdraftdescription')}",
        hosting="sur_site",
        ai_features=["ocr"],
        price_model="gratuit",
        published=False,
    )
    evaluation = Evaluation.objects.create(
        solution=solution,
        evaluator=reader,
        organisation=organisation,
        public=False,
        comment=f"Avis {needle('catevalcomment')}",
    )
    Score.objects.create(
        evaluation=evaluation,
        criterion="souverainete",
        question="hebergement",
        score=3,
        evidence=f"Preuve {needle('catevidence')}",
    )
    experiment = Experiment.objects.create(
        title="Expérimentation témoin",
        need="Un besoin public.",
        solution=solution,
        carrier=organisation,
        hypotheses="Une hypothèse publique.",
        duration_weeks=8,
        budget=f"Budget {needle('catbudget')}",
        costs=f"Coûts {needle('catcosts')}",
        lessons=f"Leçons {needle('catlessons')}",
        decision="iterer",
        report_public=False,
        status="evaluee",
    )
    Indicator.objects.create(experiment=experiment, name="Délai", baseline=10, target=5, measured=7)
    JournalEntry.objects.create(
        experiment=experiment, author=reader, text=f"Note {needle('catjournal')}"
    )
    session = IdeationSession.objects.create(
        organisation=organisation,
        title=f"Atelier {needle('catsession')}",
        date=datetime.date(2026, 3, 12),
        facilitator=reader,
    )
    session.participants.add(reader)
    idea = Idea.objects.create(
        organisation=organisation,
        author=reader,
        session=session,
        need=f"Idée {needle('catidea')}",
        service="Accueil",
        benefit="Moins d'attente",
    )
    # A register record reproduced by the witness's collectivité, still a draft: the solution
    # page lists it (and counts it) for its author only.
    from territoria.registre.models import Project
    from territoria.registre.vocabulary import Lifecycle

    elsewhere = Organisation.objects.create(
        name="Commune source du catalogue", siret="21690123100011", type=OrganisationType.COMMUNE
    )
    source = Project.objects.create(
        organisation=elsewhere, nom_projet="Projet reproduit témoin", lifecycle=Lifecycle.PUBLISHED
    )
    SolutionUse.objects.create(solution=solution, project=source)
    copy = Project.objects.create(
        organisation=organisation,
        nom_projet=f"Copie {needle('catrecordcopy')}",
        lifecycle=Lifecycle.DRAFT,
    )
    SolutionUse.objects.create(solution=solution, project=copy)
    RecordReplication.objects.create(source=source, project=copy, solution=solution)
    needles = {
        needle("catrecordcopy"): "draft register record reproduced from another (catalogue)",
        needle("catprovidercontact"): "provider contact (catalogue)",
        needle("catprice"): "negotiated price of a solution (catalogue)",
        needle("catdraftsolution"): "name of an unpublished solution (catalogue)",
        needle("catdraftdescription"): "description of an unpublished solution (catalogue)",
        needle("catevalcomment"): "comment of an internal evaluation (catalogue)",
        needle("catevidence"): "evidence of an internal evaluation (catalogue)",
        needle("catbudget"): "budget of an experiment (catalogue)",
        needle("catcosts"): "costs in an unpublished report (catalogue)",
        needle("catlessons"): "lessons in an unpublished report (catalogue)",
        needle("catjournal"): "journal of an experiment (catalogue)",
        needle("catidea"): "an agent's idea (catalogue)",
        needle("catsession"): "title of an ideation session (catalogue)",
    }
    # An agent reads all of them but the unpublished solution (moderators' only).
    proof = [value for value in needles if "catdraft" not in value]
    return Canaries(
        needles=needles,
        proof=proof,
        witness=reader,
        witness_seeds=[
            f"/catalogue/solutions/{solution.pk}/",
            f"/catalogue/experimentations/{experiment.pk}/",
            "/catalogue/idees/",
            f"/catalogue/idees/sessions/{session.pk}/",
        ],
        ids=[
            str(solution.pk),
            str(hidden.pk),
            str(experiment.pk),
            str(idea.pk),
            str(session.pk),
            str(evaluation.pk),
        ],
        focus=[str(solution.pk), str(experiment.pk)],
        seeds=["/catalogue/", "/catalogue/experimentations/", "/api/catalogue/solutions/"],
        must_visit=[
            f"/catalogue/solutions/{solution.pk}/",
            f"/catalogue/experimentations/{experiment.pk}/",
            f"/api/catalogue/solutions/{solution.pk}/",
            f"/api/catalogue/experimentations/{experiment.pk}/",
            "/catalogue/experimentations/export.csv",
            "/catalogue/experimentations/export.json",
        ],
        search_probes=[SearchProbe(needle("catprice"), solution.name)],
    )
