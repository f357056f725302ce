"""The culture module's restricted values for the leak crawler (apps.py `leak_canaries`):
an observatory and an evaluation not yet published, and a survey's answers, readable by
members of public bodies only (core.internal_reader), never by anonymous readers."""

from territoria.core.models import Role, User
from territoria.core.modules import Canaries
from territoria.culture import surveys
from territoria.culture.models import Action, Answer, Observatory, SurveyResponse


def plant(needle) -> Canaries:
    reader = User.objects.create_user(
        "culture-lecteur", password="motdepasse-test-1", role=Role.ELU
    )
    observatory = Observatory.objects.create(
        slug="observatoire-brouillon",
        name=f"Observatoire {needle('cultureobs')}",
        departement="99",
        introduction=f"Présentation {needle('cultureintro')}",
    )
    action = Action.objects.create(
        name=f"Action {needle('cultureaction')}",
        kind=Action.Kind.MEDIATION,
        place="Rouen",
        description=f"Description {needle('culturedesc')}",
        start_year=2016,
        first_year=2008,
        last_year=2018,
        treated_refs=["7654005"],
        status=Action.Status.DONE,
        result={},
    )
    survey = surveys.create_survey("Enquête témoin", "", surveys.DEFAULT_QUESTIONS)
    question = survey.questions.get(kind="ouverte")
    response = SurveyResponse.objects.create(survey=survey, source_key="temoin")
    Answer.objects.create(
        response=response, question=question, value=f"Réponse {needle('cultureanswer')}"
    )
    needles = {
        needle(
            "cultureanswer"
        ): "open answer of a survey (culture: results for agents and élus only)",
        needle("cultureobs"): "name of an unpublished observatory (culture)",
        needle("cultureintro"): "introduction of an unpublished observatory (culture)",
        needle("cultureaction"): "name of an unpublished evaluation (culture)",
        needle("culturedesc"): "description of an unpublished evaluation (culture)",
    }
    pages = [observatory.get_absolute_url(), action.get_absolute_url(), survey.get_absolute_url()]
    return Canaries(
        needles=needles,
        # The witness crawl may not reach the survey's page within its request budget (its
        # uuid competes with every module's ids): its positive control is
        # tests/culture/test_surveys.py::test_results_are_closed_to_anonymous_readers_and_open_to_agents.
        proof=[n for n in needles if n != needle("cultureanswer")],
        witness=reader,
        witness_seeds=pages,
        ids=[observatory.slug, str(action.pk), str(survey.pk), survey.token],
        focus=[observatory.slug, str(action.pk), str(survey.pk)],
        seeds=["/culture/", "/culture/evaluations/", survey.public_url()],
        must_visit=pages,
        closed_routes=["culture:imports", "culture:surveys"],
    )
