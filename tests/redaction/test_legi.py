"""Codes imported from Légifrance's LEGI dump (services/legi.py) as a collection of the
assistant, so that the article-existence check of a draft runs on the articles in force.

The fixture `tests/fixtures/redaction/legi/` is a few article files in the dump's XML layout
(see its SOURCE.md): two codes, one article in force in two versions, an abrogated one, one to
come, a law's article and a section file (both passed over)."""

import io
import shutil
import tarfile
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from territoria.assistant.models import Collection, Visibility
from territoria.redaction.services.legal import check_references
from territoria.redaction.services.legal_sources import legal_sources
from territoria.redaction.services.legi import LegiError, markdown, read_legi

from .conftest import FIXTURES

LEGI = FIXTURES / "legi"
DAY = date(2026, 12, 3)


def _numbers(codes):
    return {code.title: [a.number for a in code.articles] for code in codes}


def test_the_articles_in_force_of_each_code_are_read_in_the_code_order():
    codes = read_legi(LEGI, DAY)
    assert _numbers(codes) == {
        "Code des relations entre le public et l'administration": ["L300-1"],
        "Code général des collectivités territoriales": [
            "L1611-4",
            "L2121-10",
            "L2121-29",
            "L2311-1",
            "R2121-10",
        ],
    }
    cgct = codes[1]
    # the version in force, not the one it replaced; abrogated and future ones left out
    (l2121_29,) = [a for a in cgct.articles if a.number == "L2121-29"]
    assert l2121_29.text.startswith("Le conseil municipal règle par ses délibérations")
    assert cgct.skipped == 3
    assert cgct.repealed == {"L2121-99": "2010-01-01"}  # the one repealed, not the one replaced
    assert cgct.id == "LEGITEXT000006070633"
    text = markdown(cgct, DAY)
    assert text.startswith("# Code général des collectivités territoriales\n")
    assert "## Article L2121-29" in text and "Titre II : Organes de la commune" in text
    assert "## Article L2121-99" not in text
    assert text.endswith("## Articles abrogés\n\n- L2121-99 : abrogé le 2010-01-01\n")
    # at a date before 1996 the former version is the one in force
    old = read_legi(LEGI, date(1995, 1, 1), ["CGCT"])[0]
    assert [a.number for a in old.articles] == ["L2121-29"]
    assert "Version antérieure" in markdown(old)


def test_one_code_is_chosen_by_its_short_name_its_title_or_its_identifier():
    for code in ("CGCT", "Code général des collectivités territoriales", "LEGITEXT000006070633"):
        assert [c.title for c in read_legi(LEGI, DAY, [code])] == [
            "Code général des collectivités territoriales"
        ]


def test_the_dump_as_published_a_tar_gz_reads_the_same(tmp_path):
    archive = tmp_path / "Freemium_legi_global.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(LEGI, arcname="legi/global/code_et_TNC_en_vigueur")
    assert _numbers(read_legi(archive, DAY)) == _numbers(read_legi(LEGI, DAY))


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"<ARTICLE><META>", "XML illisible"),
        (
            b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xx">]><ARTICLE/>',
            "déclaration d'entités refusée",
        ),
        (
            (
                b"<ARTICLE><META><META_SPEC><META_ARTICLE><NUM></NUM></META_ARTICLE>"
                b"</META_SPEC></META></ARTICLE>"
            ),
            "article sans numéro",
        ),
    ],
)
def test_a_bad_file_refuses_the_whole_dump_naming_the_file(tmp_path, content, expected):
    folder = tmp_path / "legi"
    shutil.copytree(LEGI, folder)
    (folder / "LEGITEXT000006070633" / "article" / "casse.xml").write_bytes(content)
    with pytest.raises(LegiError) as error:
        read_legi(folder, DAY)
    assert "rien n'a été écrit" in str(error.value)
    assert f"casse.xml : {expected}" in str(error.value)


def test_no_article_in_force_is_refused(tmp_path):
    (tmp_path / "vide").mkdir()
    with pytest.raises(LegiError, match="aucun article de code en vigueur"):
        read_legi(tmp_path / "vide", DAY)
    with pytest.raises(LegiError, match="pour CJA"):
        read_legi(LEGI, DAY, ["CJA"])
    (tmp_path / "notes.txt").write_text("pas une archive", encoding="utf-8")
    with pytest.raises(LegiError, match="ni un dossier ni une archive"):
        read_legi(tmp_path / "notes.txt", DAY)


@pytest.mark.slow  # ~3 s: the assistant's ingestion, embeddings included
@pytest.mark.django_db
def test_an_imported_code_drives_the_existence_check_for_who_may_read_it(
    agent, organisation, other_organisation, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    collection = Collection.objects.create(
        slug="codes", name="Codes", organisation=organisation, visibility=Visibility.ORGANISATION
    )
    out = io.StringIO()
    call_command(
        "redaction", "import-legi", str(LEGI), "--collection", "codes", "--code", "CGCT",
        "--date", "2026-12-03", stdout=out,
    )  # fmt: skip
    assert '"articles": 5' in out.getvalue()
    document = collection.documents.get()
    assert document.title == "Code général des collectivités territoriales"
    sources = legal_sources(agent)
    assert [s.title for s in sources] == ["Code général des collectivités territoriales"]
    # what the check reads: the title, then the numbers of the code's own article headings
    assert sources[0].text.splitlines() == [
        "Code général des collectivités territoriales",
        "L1611-4",
        "L2121-10",
        "L2121-29",
        "L2311-1",
        "R2121-10",
        "L2121-99 abrogé le 2010-01-01",
    ]
    references = check_references(
        "Vu les articles L. 2121-29 et L. 2121-30 du code général des collectivités "
        "territoriales ; vu l'article L. 2121-99 du CGCT,",
        [s.text for s in sources],
    )
    verdict = {r.number: r.verified for r in references}
    # in force: found; never existed, or abrogated: not found — and the agent is told which
    assert verdict == {"L2121-29": True, "L2121-30": False, "L2121-99": False}
    problems = {r.number: r.problems for r in references}
    code = "(code général des collectivités territoriales)."
    assert problems["L2121-30"] == [
        f"article L2121-30 (CGCT) : introuvable dans les sources fournies {code}"
    ]
    assert problems["L2121-99"] == [
        f"article L2121-99 (CGCT) : abrogé le 1er janvier 2010 selon les sources fournies {code}"
    ]
    # the same code in another organisation's collection is not this agent's source
    collection.organisation = other_organisation
    collection.save()
    assert legal_sources(agent) == []


@pytest.mark.django_db
def test_the_command_refuses_an_unknown_collection_and_a_bad_dump(organisation, tmp_path):
    with pytest.raises(CommandError, match="collection « nulle » introuvable"):
        call_command("redaction", "import-legi", str(LEGI), "--collection", "nulle")
    Collection.objects.create(slug="codes", name="Codes", organisation=organisation)
    with pytest.raises(CommandError, match="aucun article de code en vigueur"):
        call_command("redaction", "import-legi", str(tmp_path), "--collection", "codes")
    assert not Collection.objects.get(slug="codes").documents.exists()
