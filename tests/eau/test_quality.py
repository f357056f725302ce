import re
from pathlib import Path

import pytest

from territoria.eau import quality
from territoria.eau.models import QualityLimit, QualitySample

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "eau"


@pytest.mark.django_db
def test_samples_checked_against_limits_flag_the_nitrate_over_50():
    assert quality.import_limits(FIXTURES / "fr_edch_limits.csv") == 66
    assert QualityLimit.objects.count() == 66  # turbidity's three values all kept
    assert QualityLimit.objects.filter(parameter="Turbidité").count() == 3
    assert not QualityLimit.objects.filter(verified=True).exists()
    count, bad = quality.import_samples(FIXTURES / "samples.csv")
    assert (count, bad) == (3, 1)
    wrong = QualitySample.objects.get(compliant=False)
    assert wrong.place == "École Jean Jaurès"
    assert (
        "61 mg/L > limite de qualité 50 mg/L (robinet) ; valeur non vérifiée sur Légifrance"
        == wrong.verdict
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("row", "expected"),
    [
        (
            "A,B,2026-01-01,Plutonium,1,mg/L",
            "ligne 2, colonne « parametre » : paramètre inconnu « Plutonium »",
        ),
        (
            "A,B,2026-01-01,Nitrates,1,g/L",
            "ligne 2, colonne « unite » : « g/L » au lieu de « mg/L »",
        ),
        ("A,B,hier,Nitrates,1,mg/L", "ligne 2, colonne « date » : date illisible"),
    ],
)
def test_bad_sample_is_refused_and_nothing_is_kept(tmp_path, row, expected):
    quality.import_limits(FIXTURES / "fr_edch_limits.csv")
    path = tmp_path / "s.csv"
    path.write_text(
        "commune,lieu,date,parametre,valeur,unite\nA,B,2026-01-01,Nitrates,10,mg/L\n" + row + "\n",
        encoding="utf-8",
    )
    path.write_text(
        path.read_text().replace(
            "\nA,B,2026-01-01,Nitrates,10,mg/L\n" + row,
            "\n" + row + "\nA,B,2026-01-01,Nitrates,10,mg/L",
        )
    )
    with pytest.raises(quality.QualityError, match=expected):
        quality.import_samples(path)
    assert QualitySample.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            b"commune\tlieu\tdate\tparametre\tvaleur\tunite\nA\tB\t2026-01-01\tNitrates\t1\tmg/L\n",
            (
                "s.csv, ligne 1 : séparateur attendu : la virgule ou le point-virgule (le "
                "séparateur trouvé est la tabulation)"
            ),
        ),
        (
            "commune,lieu,date,parametre,valeur,unite\nA,B,2026-01-01,Nitrates,1,mg/L\n"
            "Saint-Orens,École,2026-01-01,Nitrates,1,mg/L\n".encode("latin-1"),
            "s.csv, ligne 3 : le fichier n'est pas en UTF-8",
        ),
    ],
)
def test_a_sample_file_with_a_wrong_delimiter_or_encoding_names_its_line_and_imports_nothing(
    tmp_path, content, expected
):
    quality.import_limits(FIXTURES / "fr_edch_limits.csv")
    path = tmp_path / "s.csv"
    path.write_bytes(content)
    with pytest.raises(quality.QualityError, match=re.escape(expected)):
        quality.import_samples(path)
    assert QualitySample.objects.count() == 0


@pytest.mark.django_db
def test_turbidity_sample_is_checked_against_each_of_its_three_values(tmp_path):
    quality.import_limits(FIXTURES / "fr_edch_limits.csv")
    path = tmp_path / "t.csv"
    path.write_text(
        "commune,lieu,date,parametre,valeur,unite\n"
        "A,Usine,2026-01-01,Turbidité,0.3,NFU\nA,Robinet,2026-01-01,Turbidité,0.8,NFU\n",
        encoding="utf-8",
    )
    assert quality.import_samples(path) == (2, 1)
    wrong = QualitySample.objects.get(compliant=False)
    assert wrong.verdict.startswith("0.8 NFU > référence de qualité 0.5 NFU (mise en distribution)")


@pytest.mark.django_db
def test_a_hubeau_export_is_read_with_its_own_columns_labels_and_units():
    quality.import_limits(FIXTURES / "fr_edch_limits.csv")
    assert quality.import_samples(FIXTURES / "samples_hubeau.csv") == (5, 1)
    found = {s.parameter: s for s in QualitySample.objects.all()}
    assert set(found) == {
        "Nitrates",
        "Escherichia coli",
        "Conductivité à 25 °C",
        "Entérocoques intestinaux",
        "Turbidité",
    }
    wrong = QualitySample.objects.get(compliant=False)
    assert wrong.parameter == "Escherichia coli" and wrong.place == "SAINT-ORENS UDI"
    assert wrong.verdict.startswith("3 n/100 mL > limite de qualité 0 n/100 mL")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Nitrates (en NO3)", "Nitrates"),
        ("NITRATES", "Nitrates"),
        ("Phosphore", None),  # starts with « ph » but is not pH
        ("Chlore total", None),
        ("pH", "pH"),
        ("Nitrates/50 + Nitrites/3", "Nitrates/50 + Nitrites/3"),
    ],
)
def test_parameter_names_match_whole_words_only(name, expected):
    limits = {}
    for parameter in ("Nitrates", "Nitrates/50 + Nitrites/3", "pH", "Chlore libre (Vigipirate)"):
        limits.setdefault(quality.parameter_key(parameter), []).append(
            QualityLimit(parameter=parameter, kind="limite", unit="mg/L")
        )
    found = quality.find_limits(name, limits)
    assert (found[0].parameter if found else None) == expected


@pytest.mark.django_db
def test_a_refused_hubeau_row_names_the_hubeau_column(tmp_path):
    quality.import_limits(FIXTURES / "fr_edch_limits.csv")
    path = tmp_path / "h.csv"
    text = (FIXTURES / "samples_hubeau.csv").read_text(encoding="utf-8")
    path.write_text(text.replace("n/(100mL)", "UFC/L", 1), encoding="utf-8")
    with pytest.raises(
        quality.QualityError, match="ligne 3, colonne « libelle_unite » : « UFC/L »"
    ):
        quality.import_samples(path)
    assert QualitySample.objects.count() == 0


@pytest.mark.django_db
def test_a_hubeau_export_with_codes_below_lq_and_qualitative_rows(tmp_path):
    """« <1 » E. coli is compliant, « <0,5 » ammonium against 0,1 is not conclusive, « <6 »
    pH is below 6,5, « >60 » nitrates over 50; the qualitative row, chlore total (no limit
    nor reference in Hub'Eau either) and « <SEUIL » are skipped with their lines."""
    assert quality.import_limits(FIXTURES / "fr_edch_limits.csv") == 66
    assert QualityLimit.objects.get(parameter="Nitrates").sandre_code == "1340"
    report = {}
    assert quality.import_samples(FIXTURES / "samples_hubeau_lq.csv", report=report) == (5, 2)
    assert report["qualitative"] == [4] and report["no_threshold"] == [5]
    assert report["no_number"] == [9]
    assert (report["below_lq"], report["inconclusive"]) == (4, 1)
    found = {s.parameter: s for s in QualitySample.objects.all()}
    coli = found["Escherichia coli"]
    assert (coli.qualifier, coli.value, coli.compliant) == ("<", 1.0, True)
    assert coli.value_text == "< 1"
    assert found["Turbidité"].compliant
    ammonium = found["Ammonium"]
    assert ammonium.compliant and ammonium.verdict.startswith("non concluant : < 0.5 mg/L")
    assert not found["pH"].compliant and found["pH"].verdict.startswith("< 6 unité pH < ")
    assert not found["Nitrates"].compliant
    assert found["Nitrates"].verdict.startswith("> 60 mg/L > limite de qualité 50 mg/L")
    text = quality.skipped_text(report)
    assert "1 résultat qualitatif non contrôlé (ligne 4)" in text
    assert "1 résultat sans limite ni référence, non importé (ligne 5)" in text
    assert "4 résultats sous la limite de quantification" in text


@pytest.mark.django_db
def test_a_sandre_code_contradicting_the_label_is_refused(tmp_path):
    quality.import_limits(FIXTURES / "fr_edch_limits.csv")
    path = tmp_path / "c.csv"
    text = (FIXTURES / "samples_hubeau.csv").read_text(encoding="utf-8")
    # the code of nitrates on the conductivity row; then an unknown label with a known code
    path.write_text(text.replace(",1303,Conductivité", ",1340,Conductivité"), encoding="utf-8")
    with pytest.raises(
        quality.QualityError,
        match="ligne 4, colonne « code_parametre » : le code SANDRE 1340 désigne « Nitrates »",
    ):
        quality.import_samples(path)
    path.write_text(text.replace("Nitrates (en NO3)", "NO3 dissous"), encoding="utf-8")
    assert quality.import_samples(path) == (5, 1)  # matched by its code
    assert QualitySample.objects.filter(parameter="Nitrates").count() == 1


@pytest.mark.parametrize(
    ("unit_a", "unit_b"), [("mg(Cl2)/L", "mg/L"), ("n/(100mL)", "n/100 mL"), ("µg/L", "ug/L")]
)
def test_units_written_differently_are_one(unit_a, unit_b):
    assert quality._unit_key(unit_a) == quality._unit_key(unit_b)
    assert quality._unit_key("mg/L") != quality._unit_key("µg/L")


@pytest.mark.django_db
def test_a_nul_byte_in_a_text_field_is_refused_with_its_line_and_column(tmp_path):
    """PostgreSQL refuses NUL in text: the import names it instead of failing on save."""
    quality.import_limits(FIXTURES / "fr_edch_limits.csv")
    path = tmp_path / "s.csv"
    path.write_text(
        "commune,lieu,date,parametre,valeur,unite\n"
        "A,B,2026-01-01,Nitrates,10,mg/L\n"
        "A,Puits\x00 3,2026-01-01,Nitrates,10,mg/L\n",
        encoding="utf-8",
    )
    with pytest.raises(
        quality.QualityError,
        match=re.escape("s.csv, ligne 3, colonne 2 (« lieu ») : caractère nul"),
    ):
        quality.import_samples(path)
    assert QualitySample.objects.count() == 0
