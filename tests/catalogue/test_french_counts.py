"""The catalogue counts in French: « aucune solution », « 1 solution », « 44 solutions »."""

from territoria.catalogue.models import Experiment


def test_pages_count_in_french(client, db, organisation):
    page = client.get("/catalogue/").content.decode()
    assert "Aucune solution —" in page and "0 solution" not in page
    assert "Aucune expérimentation en cours ou évaluée." in client.get("/").content.decode()


def test_counts_agree_with_their_numbers(client, demo, organisation):
    assert "44 solutions —" in client.get("/catalogue/").content.decode()
    page = client.get("/catalogue/", {"q": "Tesseract OCR"}).content.decode()
    assert "1 solution —" in page
    solution = demo["Vosk"]
    text = client.get(solution.get_absolute_url()).content.decode()
    assert "Aucune expérimentation." in text and "0 réplication" not in text
    Experiment.objects.create(
        title="Essai",
        need="n",
        solution=solution,
        carrier=organisation,
        hypotheses="h",
        duration_weeks=1,
    )
    text = client.get(solution.get_absolute_url()).content.decode()
    assert "1 expérimentation, dont aucune réplication, par 1 collectivité." in text
    experiment_page = client.get(Experiment.objects.get().get_absolute_url()).content.decode()
    assert "1 semaine" in experiment_page and "Aucune réplication." in experiment_page
    assert "1 expérimentation en cours ou évaluée." in client.get("/").content.decode()
