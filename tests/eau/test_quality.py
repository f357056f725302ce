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
