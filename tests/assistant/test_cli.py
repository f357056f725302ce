import json

import pytest
from django.core.management import CommandError, call_command

from territoria.assistant.models import Collection

SQUAD = {
    "data": [
        {
            "title": "Déchetterie",
            "paragraphs": [
                {
                    "context": "La déchetterie est ouverte du lundi au samedi de 9 h à 18 h.",
                    "qas": [
                        {
                            "id": "1",
                            "question": "Quand la déchetterie est-elle ouverte ?",
                            "answers": [{"text": "du lundi au samedi", "answer_start": 0}],
                        }
                    ],
                }
            ],
        },
        {
            "title": "Encombrants",
            "paragraphs": [
                {
                    "context": "La collecte des encombrants a lieu le premier mardi du mois.",
                    "qas": [
                        {
                            "id": "2",
                            "question": "Quand sont collectés les encombrants ?",
                            "answers": [{"text": "premier mardi", "answer_start": 0}],
                        }
                    ],
                }
            ],
        },
    ]
}


def test_cli_eval_reports_every_figure_for_three_modes(db, tmp_path, capsys):
    questions = tmp_path / "q.json"
    questions.write_text(json.dumps(SQUAD), encoding="utf-8")
    call_command(
        "assistant",
        "squad-corpus",
        str(questions),
        str(tmp_path / "corpus"),
        "--questions-out",
        str(tmp_path / "q2.json"),
    )
    assert sorted(p.name for p in (tmp_path / "corpus").iterdir()) == [
        "dechetterie.md",
        "encombrants.md",
    ]
    call_command(
        "assistant",
        "eval",
        "--corpus",
        str(tmp_path / "corpus"),
        "--questions",
        str(questions),
        "--output",
        str(tmp_path / "r.json"),
    )
    result = json.loads((tmp_path / "r.json").read_text())
    for key in [
        "recall@1",
        "recall@5",
        "recall@10",
        "mrr@10",
        "answer_recall",
        "citation_recall",
        "abstained",
        "p50_ms",
        "p95_ms",
        "index_seconds",
    ]:
        assert key in result, key
    assert set(result["modes"]) == {"lexical", "dense", "hybrid"}
    # The plain baselines, computed in the same run over the same documents.
    assert set(result["baselines"]) == {"bm25 (whole pages)", "e5 (first window)"}
    for figures in result["baselines"].values():
        assert set(figures) == {"recall@1", "recall@5", "recall@10", "mrr@10"}
        assert figures["recall@10"] == 1.0  # two documents: the gold one is always in the ten
    assert result["recall@1"] == 1.0 and result["answer_recall"] == 1.0
    # Answers per question type (issue 20), the types counting every question once.
    assert sum(t["questions"] for t in result["per_type"].values()) == result["questions"]
    for figures in result["per_type"].values():
        assert set(figures) == {
            "questions",
            "answer_recall",
            "citation_recall",
            "abstained",
            "answer_words",
        }
    printed = capsys.readouterr().out
    assert "référence bm25 (whole pages)" in printed and "type « " in printed
    assert sum(result["answer_methods"].values()) == result["questions"]  # how each answer was made
    # The evaluation collection is removed (the modules' sources are not the command's).
    assert not Collection.objects.filter(managed=False).exists()


def test_cli_ingest_then_ask(db, tmp_path, organisation, capsys):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.md").write_text(
        "# Astreinte\n\nL'astreinte de week-end est rémunérée 150 euros.", encoding="utf-8"
    )
    (tmp_path / "docs" / "b.exe").write_bytes(b"MZ")
    call_command(
        "assistant", "create-collection", "rh", "--name", "RH", "--organisation", organisation.siret
    )
    call_command("assistant", "ingest", "rh", str(tmp_path / "docs"))
    out = capsys.readouterr()
    assert "Indexés : 1" in out.out and "format non pris en charge" in out.err
    call_command("assistant", "ingest", "rh", str(tmp_path / "docs"))
    assert "1 inchangé(s)" in capsys.readouterr().out
    call_command("assistant", "ask", "rh", "Combien est rémunérée l'astreinte de week-end ?")
    assert "150 euros. [1]" in capsys.readouterr().out
    call_command(
        "assistant",
        "ask",
        "rh",
        "Combien est rémunérée l'astreinte de week-end ?",
        "--user",
        "agent2",
    )
    assert "Je ne trouve pas" in capsys.readouterr().out  # another organisation's agent


@pytest.fixture(autouse=True)
def _other_agent(other_agent):
    return other_agent


def test_cli_errors_are_clear(db, tmp_path):
    with pytest.raises(CommandError, match="Collection inconnue"):
        call_command("assistant", "ingest", "nope", str(tmp_path))
    with pytest.raises(CommandError, match="introuvable"):
        call_command(
            "assistant",
            "eval",
            "--corpus",
            str(tmp_path / "absent"),
            "--questions",
            str(tmp_path / "absent.json"),
            "--output",
            str(tmp_path / "r.json"),
        )
