import io

import docx
from django.urls import reverse

from territoria.redaction.models import ActDraft, DraftState, JobState, WritingJob

NOTES = """Réunion du comité de pilotage — 14 mai 2024
Présents : Mme Claire Morel, M. Hugo Bernard
Excusés : M. Jean Roussel

1. Pistes cyclables
Mme Claire Morel rappelle que le chantier coûtera 185 000 €.
Le comité valide le tracé côté nord.
M. Hugo Bernard transmettra le plan aux commerçants d'ici le 7 juin 2024.
"""
LETTER = (
    "Madame, afin de procéder à l'instruction de votre demande en date du 3 mars 2024, il convient "
    "de transmettre les pièces justificatives susmentionnées dans les meilleurs délais. "
    "Le montant de la taxe s'élève à 1 250 €."
)


def test_anyone_finds_published_deliberations_with_facets(client, deliberations):
    page = client.get(
        reverse("redaction:deliberations"), {"q": "subvention association", "mode": "lexical"}
    )
    assert page.status_code == 200
    html = page.content.decode()
    assert "Attribution d&#x27;une subvention de fonctionnement" in html
    assert "Unanimité" in html
    faceted = client.get(
        reverse("redaction:deliberations"),
        {"q": "subvention", "mode": "lexical", "matiere": "7.5", "annee": "2024"},
    )
    rows = faceted.context["page"].object_list
    assert rows and all(d.subject_code == "7.5" and d.date.year == 2024 for d in rows)


def test_anonymous_and_elected_readers_cannot_use_the_tools(client, elu, deliberations):
    assert client.get(reverse("redaction:index")).status_code == 302
    assert client.get(reverse("redaction:tool", args=["minutes"])).status_code == 302
    client.force_login(elu)
    assert client.get(reverse("redaction:index")).status_code == 403


def test_agent_drafts_a_deliberation_prefilled_with_cited_visas_and_exports_it(
    client, agent, deliberations, monkeypatch
):
    client.force_login(agent)
    response = client.post(
        reverse("redaction:new_draft"),
        {
            "title": "Subvention à l'association de football",
            "date": "2024-05-02",
            "subject_code": "",
        },
    )
    draft = ActDraft.objects.get()
    assert response.status_code == 302 and response["Location"] == draft.get_absolute_url()
    assert draft.organisation == agent.organisation and draft.subject_code == "7.5"
    assert any("L. 1611-4" in v for v in draft.visas)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "D'où viennent les lignes pré-remplies" in page and "2024-015" in page
    exported = client.get(reverse("redaction:export_draft", args=[draft.pk, "docx"]))
    assert exported["Content-Type"].startswith("application/vnd.openxmlformats")
    texts = [p.text for p in docx.Document(io.BytesIO(exported.content)).paragraphs]
    assert "Subvention à l'association de football" in texts
    # Edit, re-check, adopt: the SCDL row is the publication.
    data = {
        "title": draft.title,
        "body": "Le conseil municipal",
        "date": "2024-05-02",
        "subject_code": "7.5",
        "visas": "\n".join(draft.visas),
        "considerants": "Considérant la demande du club",
        "articles": "D'attribuer une subvention de 2 000 €.",
        "vote_effectif": 19,
        "vote_reel": 17,
        "vote_pour": 17,
        "vote_contre": 0,
        "vote_abstention": 3,
    }
    client.post(draft.get_absolute_url(), data)
    draft.refresh_from_db()
    assert any(c["code"] == "vote" and not c["ok"] for c in draft.checks)  # 17 + 0 + 3 > 17
    client.post(reverse("redaction:adopt", args=[draft.pk]), {"delib_id": "2024-040"})
    draft.refresh_from_db()
    assert draft.state == DraftState.ADOPTED
    row = client.get(reverse("redaction:export_draft", args=[draft.pk, "scdl"])).content.decode()
    assert "2024-040" in row and "21930051400011" in row


def test_a_draft_is_invisible_to_another_organisation(client, agent, other_agent, deliberations):
    client.force_login(agent)
    client.post(reverse("redaction:new_draft"), {"title": "Budget primitif 2025"})
    draft = ActDraft.objects.get()
    client.force_login(other_agent)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(reverse("redaction:export_draft", args=[draft.pk, "docx"])).status_code == 404
    assert "Budget primitif 2025" not in client.get(reverse("redaction:index")).content.decode()


def test_minutes_job_runs_in_background_and_links_each_item_to_its_line(
    client, agent, colleague, django_capture_on_commit_callbacks
):
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(
            reverse("redaction:tool", args=["minutes"]), {"title": "Copil", "text": NOTES}
        )
    job = WritingJob.objects.get()
    assert response["Location"] == job.get_absolute_url()
    # Queued, not run in the request: the page shows the progress until the worker is done.
    assert job.state == JobState.QUEUED
    waiting = client.get(job.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 2s"' in waiting and "Actualiser" in waiting
    for callback in queued:
        callback()
    job.refresh_from_db()
    assert job.state == JobState.DONE and job.method == "extractive" and job.progress == 100
    assert job.energy_wh > 0 and job.cpu_seconds > 0
    html = client.get(job.get_absolute_url()).content.decode()
    assert "Le comité valide le tracé côté nord." in html
    assert "2024-06-07" in html and "ligne 8" in html
    markdown = client.get(reverse("redaction:export_job", args=[job.pk, "md"])).content.decode()
    assert "**Décisions**" in markdown
    # Notes are their author's: not even a colleague of the same organisation reads them.
    client.force_login(colleague)
    assert client.get(job.get_absolute_url()).status_code == 404


def test_plain_language_report_and_three_accepted_suggestions(
    client, agent, django_capture_on_commit_callbacks
):
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("redaction:tool", args=["plain"]), {"text": LETTER})
    job = WritingJob.objects.get()
    page = client.get(job.get_absolute_url())
    suggestions = [s for s in page.context["report"].suggestions if s.replacement]
    chosen = [s.id for s in suggestions[:3]]
    accepted = client.get(job.get_absolute_url(), {"accepter": chosen})
    rewritten = accepted.context["rewritten"]
    assert rewritten.startswith("Madame, pour faire l'instruction")
    assert accepted.context["after"].kandel_moles > accepted.context["report"].kandel_moles
    assert (
        "Chiffres, dates, montants et références juridiques conservés." in accepted.content.decode()
    )
    # the simplified text can be copied (the button shows with JavaScript)
    assert 'data-copy="texte-simplifie"' in accepted.content.decode()


def test_bad_inputs_get_a_clear_message_and_queue_nothing(client, agent, tmp_path):
    client.force_login(agent)
    english = "The committee met on Tuesday and decided to keep the bus service running until the end of the year because the ridership was good and the budget allows it."
    page = client.post(
        reverse("redaction:tool", args=["summary"]), {"text": english, "max_words": 100}
    )
    assert "ne semble pas être en français" in page.content.decode()
    empty = io.BytesIO(b"")
    empty.name = "notes.txt"
    page = client.post(reverse("redaction:tool", args=["minutes"]), {"file": empty})
    assert (
        "Collez un texte ou déposez un fichier" in page.content.decode()
        or "vide" in page.content.decode()
    )
    scanned = io.BytesIO(_blank_pdf())
    scanned.name = "scan.pdf"
    page = client.post(reverse("redaction:tool", args=["minutes"]), {"file": scanned})
    assert "aucun texte extractible" in page.content.decode()
    huge = "Le conseil délibère. " * 12000
    page = client.post(reverse("redaction:tool", args=["plain"]), {"text": huge})
    assert "trop long" in page.content.decode()
    assert WritingJob.objects.count() == 0


def _blank_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_house_template_upload_is_checked(client, agent):
    client.force_login(agent)
    template = docx.Document()
    template.add_paragraph("{{titre}}")
    out = io.BytesIO()
    template.save(out)
    out.seek(0)
    out.name = "modele.docx"
    page = client.post(reverse("redaction:templates"), {"name": "Modèle maison", "file": out})
    assert "ne contient pas les champs attendus" in page.content.decode()
