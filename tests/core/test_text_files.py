"""The NUL rule (core.text_files) and every text importer that applies it: a file holding a NUL
character (a binary file, a UTF-16 export) is refused with its line, and nothing is written —
on PostgreSQL, which refuses NUL in text columns, as on SQLite, which would store it."""

import io
import json

import pytest

from territoria.assistant.services.parsers import parse
from territoria.catalogue.importer import ImportFailed, import_solutions
from territoria.catalogue.models import Solution
from territoria.core.text_files import nul_path, nul_position, nul_problem
from territoria.culture import museums, territory
from territoria.culture.errors import ImportProblem
from territoria.culture.models import Commune, Venue
from territoria.mobilite import accidents, causes
from territoria.mobilite.models import Accident
from territoria.redaction.models import Deliberation
from territoria.redaction.services.scdl import SCDLError
from territoria.redaction.services.scdl import import_file as import_deliberations
from territoria.registre.importers.service import import_file as import_register
from territoria.registre.importers.sources import SourceError, read_json
from territoria.registre.models import Project
from tests.culture.conftest import COMMUNES, VENUES
from tests.mobilite.conftest import FIXTURES as MOBILITE_FIXTURES
from tests.registre.import_helpers import anchor_row, write_csv


def test_nul_position_counts_lines_and_characters_from_one():
    assert nul_position("a;b\nc;d\n") is None
    assert nul_position("a;b\ncd;e\x00f\n") == (2, 5)
    assert nul_position("\x00") == (1, 1)


def test_the_message_names_the_place_and_the_likely_cause():
    message = nul_problem("nom\nCin\x00éma")
    assert message.startswith("ligne 2, caractère 4 : caractère nul")
    assert "UTF-16" in message and "CSV UTF-8" in message


def test_a_utf16_export_without_bom_is_refused_at_its_first_line():
    """What a spreadsheet's « Unicode text » export looks like once read as UTF-8."""
    text = "nom;ville\nRouen;76540\n".encode("utf-16-le").decode("utf-8")
    assert nul_problem(text).startswith("ligne 1, caractère 2 :")


def test_catalogue_import(db, tmp_path):
    path = tmp_path / "solutions.csv"
    path.write_text(
        "nom,fournisseur,hebergement,fonctions_ia,modele_prix,description,url_source,siren\n"
        "Bon,Fournisseur A,sur_site,ocr,gratuit,Une ligne,,\n"
        "Mau\x00vais,Fournisseur B,sur_site,ocr,gratuit,Une autre,,\n",
        encoding="utf-8",
    )
    with pytest.raises(ImportFailed) as failure:
        import_solutions(path)
    assert str(failure.value.issues[0]).startswith("ligne 3 : caractère nul")
    assert Solution.objects.count() == 0


def test_culture_venues_import(db):
    text = VENUES.read_text(encoding="utf-8").replace("Cinéma exemple", "Ciné\x00ma exemple")
    line = text[: text.index("\x00")].count("\n") + 1
    with pytest.raises(ImportProblem, match=f"ligne {line}, caractère \\d+ : caractère nul"):
        museums.import_venues(io.BytesIO(text.encode()), name="lieux.csv")
    assert Venue.objects.count() == 0


def test_deliberations_import(db):
    data = (
        b"COLL_NOM;COLL_SIRET;DELIB_ID;DELIB_DATE;DELIB_MATIERE_CODE;DELIB_MATIERE_NOM;"
        b"DELIB_OBJET;VOTE_POUR;DELIB_URL\n"
        b"Ville de Test;21930051400011;D1;2024-01-10;7.5;finances locales/subventions;"
        b"Subvention\x00 au club;12;\n"
    )
    with pytest.raises(SCDLError, match="ligne 2, caractère \\d+ : caractère nul"):
        import_deliberations(data)
    assert Deliberation.objects.count() == 0


def test_register_import(db, tmp_path):
    path = write_csv(tmp_path, [anchor_row(), anchor_row(Nom_du_projet="Sec\x00ond")])
    report = import_register(path)
    (error,) = report.errors
    assert error.line == 3 and "caractère nul" in error.message
    assert Project.objects.count() == 0


def test_accidents_import(db, tmp_path):
    path = tmp_path / "caracteristiques.csv"
    text = (MOBILITE_FIXTURES / "baac_new.csv").read_text(encoding="utf-8-sig")
    lines = text.split("\n")
    lines[2] = lines[2].replace(";", ";\x00", 1)
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(accidents.AccidentError, match="ligne 3, caractère \\d+ : caractère nul"):
        accidents.import_files(path, file_name="caracteristiques.csv")
    assert Accident.objects.count() == 0


def test_mobility_events_calendar():
    with pytest.raises(causes.CalendarError, match="ligne 2, caractère 10 : caractère nul"):
        causes.parse_events("date;evenement\n2024-06-2\x001;Fête\n", "evenements.csv")


def test_an_assistant_document_keeps_its_text_without_the_nul(tmp_path):
    """A document is not a table: a NUL there is an extraction artefact, dropped, not a refusal."""
    path = tmp_path / "note.txt"
    path.write_text("Horaires\x00 de la mairie : 9 h – 17 h.\n", encoding="utf-8")
    parsed = parse(path)
    assert [block.text for block in parsed.blocks] == ["Horaires de la mairie : 9 h – 17 h."]


def test_nul_path_names_where_a_json_escape_hid_it():
    assert nul_path({"a": [1, {"b": "x\x00"}]}) == "a[1].b"
    assert nul_path({"k\x00": 1}) == "k\\u0000"
    assert nul_path({"a": "ok", "n": [1.5, None]}) is None


def test_register_json_source_with_a_nul_escape():
    with pytest.raises(SourceError) as error:
        read_json("registre.json", b'[{"nom": "ok"}, {"nom": "Sec\\u0000ond"}]')
    assert "[1].nom : caractère nul" in str(error.value)


def test_culture_commune_outlines_with_a_nul_escape(db, tmp_path):
    data = json.loads(COMMUNES.read_text(encoding="utf-8"))
    data["features"][2]["properties"]["nom"] = "Rou\x00en"
    path = tmp_path / "communes.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")  # json writes the NUL as \u0000
    assert "\\u0000" in path.read_text(encoding="utf-8")
    with pytest.raises(ImportProblem, match=r"features\[2\]\.properties\.nom : caractère nul"):
        territory.import_communes(path)
    assert Commune.objects.count() == 0
