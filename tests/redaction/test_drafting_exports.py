import io

import docx
import pytest
from odf import teletype, text
from odf.opendocument import load

from territoria.redaction.services import exports
from territoria.redaction.services.acts import Act, check_act
from territoria.redaction.services.drafting import prefill, similar_deliberations


def test_similar_deliberations_prefill_a_draft_with_cited_lines(deliberations):
    similar = similar_deliberations("Subvention à l'association de football", mode="lexical")
    assert similar and all(s.deliberation.subject_code == "7.5" for s in similar[:3])
    act, provenance = prefill("Subvention à l'association de football", similar)
    assert any("L. 1611-4" in v for v in act.visas)
    assert act.considerants and act.articles
    # Every pre-filled line is a line of a cited past act.
    for line in act.visas + act.considerants + act.articles:
        cited = [p for p in provenance if p["text"] == line]
        assert cited and cited[0]["delib_id"]
    # The visa shared by the three subsidy acts comes first and says so.
    first = next(p for p in provenance if p["part"] == "visas")
    assert first["shared_by"] >= 2


def _act():
    return Act(
        title="Subvention au club de football",
        date="2024-05-02",
        visas=[
            "Vu le code général des collectivités territoriales, notamment son article L. 1611-4"
        ],
        considerants=["Considérant la demande du club pour un montant de 3 000 €"],
        articles=[
            "D'attribuer au club une subvention de 3 000 €.",
            "Le maire est chargé de l'exécution.",
        ],
        vote_effectif=19,
        vote_reel=17,
        vote_pour=17,
        vote_contre=0,
        vote_abstention=0,
    )


def test_checks_pass_on_a_sound_act_and_name_each_problem():
    assert all(c.ok for c in check_act(_act()))
    act = _act()
    act.articles[0] = "D'attribuer au club une subvention de 30 000 €."
    act.visas.append("Vu l'article L. 21-21-29 du CGCT")
    act.visas.append("Vu la délibération du 3 juin 2024")
    act.vote_pour, act.vote_contre = 17, 2
    act.considerants = []
    failed = {c.code for c in check_act(act) if not c.ok}
    assert failed == {"considerants", "reference", "date", "vote"}
    act = _act()
    act.articles[0] = "D'attribuer au club une subvention de 30 000 €."
    assert {c.code for c in check_act(act) if not c.ok} == {"montant"}


def test_docx_and_odt_exports_default_and_from_the_house_template():
    act = _act()
    plain = docx.Document(io.BytesIO(exports.act_docx(act)))
    assert "Article 1er : D'attribuer au club une subvention de 3 000 €." in [
        p.text for p in plain.paragraphs
    ]

    template = docx.Document()
    template.add_paragraph("VILLE DE TESTVILLE — EXTRAIT DU REGISTRE")
    template.add_paragraph("{{titre}}", style="Title")
    template.add_paragraph("{{visas}}")
    template.add_paragraph("{{considerants}}")
    template.add_paragraph("DÉCIDE :")
    template.add_paragraph("{{dispositif}}", style="List Number")
    template.add_paragraph("{{vote}}")
    out = io.BytesIO()
    template.save(out)
    filled = docx.Document(io.BytesIO(exports.act_docx(act, out.getvalue())))
    paragraphs = [(p.text, p.style.name) for p in filled.paragraphs]
    assert paragraphs[0][0] == "VILLE DE TESTVILLE — EXTRAIT DU REGISTRE"
    assert ("Subvention au club de football", "Title") in paragraphs
    assert ("Article 2 : Le maire est chargé de l'exécution.", "List Number") in paragraphs
    assert not any("{{" in t for t, _s in paragraphs)

    odt = load(io.BytesIO(exports.act_odt(act)))
    lines = [teletype.extractText(p) for p in odt.getElementsByType(text.P)]
    assert "Article 1er : D'attribuer au club une subvention de 3 000 €." in lines


def test_a_template_without_the_expected_fields_is_refused_clearly():
    template = docx.Document()
    template.add_paragraph("{{titre}}")
    out = io.BytesIO()
    template.save(out)
    with pytest.raises(
        exports.TemplateError, match=r"\{\{visas\}\}, \{\{considerants\}\}, \{\{dispositif\}\}"
    ):
        exports.template_placeholders(out.getvalue(), "docx")
    with pytest.raises(exports.TemplateError, match="valide"):
        exports.template_placeholders(b"not a zip", "docx")
