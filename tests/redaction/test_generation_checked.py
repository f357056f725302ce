"""The model path, against a stand-in OpenAI-compatible server on the loopback (the server is
not our code: what is tested is our client call and our checks of what comes back)."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from territoria.assistant.services.llm import ChatClient
from territoria.redaction.services import generation

NOTES = """Réunion du 14 mai 2024
Présents : Mme Claire Morel, M. Hugo Bernard
1. Pistes cyclables
Mme Claire Morel rappelle que le chantier coûtera 185 000 €.
Le comité valide le tracé côté nord.
"""


@pytest.fixture
def model_server():
    replies = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers["Content-Length"])
            replies_seen.append(json.loads(self.rfile.read(length)))
            body = json.dumps({"choices": [{"message": {"content": replies.pop(0)}}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    replies_seen: list = []
    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    client = ChatClient(f"http://127.0.0.1:{server.server_port}/v1", "stand-in", timeout_s=5)
    yield client, replies, replies_seen
    server.shutdown()


def test_generated_minutes_keep_grounded_sentences_and_drop_invented_ones(model_server):
    client, replies, seen = model_server
    replies.append(
        "Mme Claire Morel a rappelé le coût du chantier : 185 000 €. "
        "Le comité a validé le tracé côté nord. "
        "M. Julien Vasseur présentera le budget de 250 000 € le 3 juin 2024."
    )
    result, method = generation.run_minutes(NOTES, client)
    assert method == "llm"
    generated = result["generated"]
    assert generated["kept"] == [
        "Mme Claire Morel a rappelé le coût du chantier : 185 000 €.",
        "Le comité a validé le tracé côté nord.",
    ]
    problems = generated["dropped"][0]["problems"]
    assert any("Vasseur" in p for p in problems) and any("250 000" in p for p in problems)
    assert any("3 juin 2024" in p for p in problems)
    # The model saw the source as data, with the instruction not to invent.
    assert "N'invente aucun nom" in seen[0]["messages"][0]["content"]
    assert NOTES.strip() in seen[0]["messages"][1]["content"]
    # The extractive minutes are always there too.
    assert result["minutes"]["items"]


def test_a_rewrite_that_changes_an_amount_is_not_shown(model_server):
    client, replies, _seen = model_server
    text = "Afin de procéder au paiement, il convient de transmettre la facture de 1 250 € avant le 3 mars 2024."
    replies.append("Pour payer, envoyez la facture de 1 300 € avant le 3 mars 2024.")
    result, method = generation.run_plain(text, client)
    assert method == "llm-rejected" and result["generated"]["problems"]
    replies.append("Pour payer, envoyez la facture de 1 250 € avant le 3 mars 2024.")
    result, method = generation.run_plain(text, client)
    assert (
        method == "llm"
        and result["rewrite_report"]["kandel_moles"] > result["report"]["kandel_moles"]
    )


def test_no_answer_from_the_model_falls_back_to_extractive():
    client = ChatClient("http://127.0.0.1:9/v1", "absent", timeout_s=1)
    result, method = generation.run_summary(NOTES, 40, client)
    assert method == "llm-rejected" and result["sentences"] and "error" in result["generated"]


def test_an_echo_of_the_source_or_a_loop_is_not_a_summary(model_server):
    client, replies, _seen = model_server
    replies.append("Texte source : " + NOTES + " " + NOTES)
    result, method = generation.run_summary(NOTES, 10, client)
    assert method == "llm-rejected" and result["generated"]["kept"] == []
    assert result["generated"]["too_long"] > 10
    assert any("répétition" in d["problems"][0] for d in result["generated"]["dropped"])


def test_a_selections_generated_summary_cites_a_passage_per_sentence(model_server):
    client, replies, _seen = model_server
    first = "# Plan vélo\n\nLe plan prévoit 14 kilomètres de pistes cyclables d'ici 2028.\n\n"
    second = "# Cantine\n\nLa cantine sert 40 % de produits biologiques et locaux.\n\n"
    text = first + second
    passages = [
        {"document": "a", "title": "Plan vélo", "collection": "C", "n": 0, "page": None,
         "start": len("# Plan vélo\n\n"), "end": len(first), "url": "/a"},
        {"document": "b", "title": "Cantine", "collection": "C", "n": 0, "page": None,
         "start": len(first) + len("# Cantine\n\n"), "end": len(text), "url": "/b"},
    ]  # fmt: skip
    replies.append(
        "La cantine propose 40 % de produits biologiques. "
        "Le plan vélo ajoute 14 kilomètres de pistes cyclables. "
        "La cantine sert 60 % de produits locaux."
    )
    result, method = generation.run_summary(text, 40, client, selection=passages)
    assert method == "llm"
    cited = [(c["sentence"], c["citation"]["url"]) for c in result["generated"]["cited"]]
    assert cited == [
        ("La cantine propose 40 % de produits biologiques.", "/b"),
        ("Le plan vélo ajoute 14 kilomètres de pistes cyclables.", "/a"),
    ]
    assert "60 %" in result["generated"]["dropped"][0]["sentence"]
    # The extractive summary cites both documents, in reading order.
    assert [s["citation"]["url"] for s in result["sentences"]] == ["/a", "/b"]
