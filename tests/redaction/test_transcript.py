"""Minutes from a meeting transcript (services/transcript.py): WebVTT, SRT and speaker turns."""

import io
import json

import pytest
from django.urls import reverse

from territoria.redaction.models import JobState, WritingJob
from territoria.redaction.services.minutes import extract_from_notes, extract_minutes
from territoria.redaction.services.texts import InputError, read_upload
from territoria.redaction.services.transcript import check_transcript, is_transcript, turns

VTT = """WEBVTT

1
00:00:02.000 --> 00:00:06.000
<v Hélène Marchand>Bonjour à tous. Madame Roux est excusée ce matin.

2
00:00:06.500 --> 00:00:10.000
<v Hélène Marchand>Premier point à l'ordre du jour : la cantine scolaire.

3
00:00:10.500 --> 00:00:15.000
<v Bruno Caron>Alors euh, les repas bio représentent 30 % des menus

4
00:00:15.000 --> 00:00:19.000
<v Bruno Caron>et les familles en demandent davantage.

5
00:00:19.500 --> 00:00:23.000
<v Hélène Marchand>Est-ce qu'on valide l'objectif de 50 % ?

6
00:00:23.500 --> 00:00:28.000
<v Hélène Marchand>Le conseil valide l'objectif de 50 % de repas bio en 2026.

7
00:00:28.500 --> 00:00:33.000
<v Bruno Caron>Je préparerai le cahier des charges pour le 15 avril 2025.

8
00:00:33.500 --> 00:00:38.000
<v Hélène Marchand>On passe au point 2, les horaires de la médiathèque.

9
00:00:38.500 --> 00:00:44.000
<v Hélène Marchand>Bruno, vous enverrez le sondage aux usagers d'ici le 30 mai 2025.
"""


def test_a_vtt_transcript_becomes_minutes_with_speakers_items_decisions_and_actions():
    assert is_transcript(VTT)
    minutes = extract_minutes(VTT)
    assert minutes.source == "transcription"
    assert minutes.attendees == ["Hélène Marchand", "Bruno Caron"]
    assert minutes.excused == ["Madame Roux"]
    assert [i.title for i in minutes.items][-2:] == [
        "la cantine scolaire",
        "les horaires de la médiathèque",
    ]
    # a question is not a decision
    assert [d.text for d in minutes.decisions] == [
        "Le conseil valide l'objectif de 50 % de repas bio en 2026."
    ]
    actions = {(a.owner, a.due) for a in minutes.actions}
    # « Je préparerai… » is its speaker's; « Bruno, vous enverrez… » is Bruno's
    assert actions == {("Bruno Caron", "2025-04-15"), ("Bruno Caron", "2025-05-30")}


def test_cues_of_one_speaker_are_joined_and_every_item_points_at_the_file():
    minutes = extract_minutes(VTT)
    cantine = minutes.items[-2]
    sentence = cantine.discussion[0]
    # two cues, one sentence; the hesitation is not shown
    assert sentence.text == (
        "Alors les repas bio représentent 30 % des menus et les familles en demandent davantage."
    )
    assert sentence.speaker == "Bruno Caron" and sentence.time == "00:00:10"
    assert VTT[sentence.span.start :].startswith("Alors euh, les repas bio")
    assert VTT.split("\n")[sentence.span.line - 1].endswith(
        "Alors euh, les repas bio représentent 30 % des menus"
    )
    decision = minutes.decisions[0]
    assert decision.time == "00:00:23"  # the time of its own cue, not of the turn's first
    assert VTT[decision.span.start : decision.span.end] == decision.text
    assert "(00:00:23, ligne 25)" in minutes.to_markdown()


def test_srt_and_speaker_lines_are_read_too():
    srt = (
        "1\n00:00:01,000 --> 00:00:05,000\nMathieu Rolland : Point 1 : la toiture du gymnase.\n\n"
        "2\n00:00:05,500 --> 00:00:09,000\nClaire Dumont : Je rédigerai le cahier des charges d'ici le 28 février 2025.\n\n"
        "3\n00:00:09,500 --> 00:00:13,000\nMathieu Rolland : La commission approuve le lancement de la consultation.\n"
    )
    minutes = extract_minutes(srt)
    assert minutes.attendees == ["Mathieu Rolland", "Claire Dumont"]
    assert [i.title for i in minutes.items] == ["la toiture du gymnase"]
    assert [(a.owner, a.due, a.time) for a in minutes.actions] == [
        ("Claire Dumont", "2025-02-28", "00:00:05")
    ]
    lines = (
        "[00:00:03] Anne Girard : Commençons par le point 1, le marché de Noël.\n"
        "[00:00:22] Julien Masson : Le marché a accueilli 36 exposants sur le week-end.\n"
        "[00:00:48] Anne Girard : Le conseil décide de reconduire le marché en décembre 2025.\n"
        "[00:01:02] Julien Masson : Je transmettrai le bilan à la mairie avant le 14 février 2025.\n"
    )
    minutes = extract_minutes(lines)
    assert minutes.attendees == ["Anne Girard", "Julien Masson"]
    assert [i.title for i in minutes.items] == ["le marché de Noël"]
    assert [a.owner for a in minutes.actions] == ["Julien Masson"]
    assert minutes.actions[0].time == "00:01:02"


def test_meeting_notes_are_not_taken_for_a_transcript(fixtures):
    for path in (fixtures / "reunions").glob("*.txt"):
        text = path.read_text(encoding="utf-8")
        assert not is_transcript(text)
        assert extract_minutes(text).as_dict() == extract_from_notes(text).as_dict()


def test_the_transcripts_of_the_set_against_their_gold(fixtures):
    folder = fixtures / "transcriptions"
    for gold_path in folder.glob("*.gold.json"):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        minutes = extract_minutes((folder / gold["source"]).read_text(encoding="utf-8"))
        assert minutes.attendees == gold["attendees"]
        assert minutes.excused == gold["excused"]
        for expected in gold["actions"]:
            assert any(
                a.due == expected["due"]
                and expected["owner"] in a.owner
                and expected["contains"].lower() in a.text.lower()
                for a in minutes.actions
            ), expected


def test_a_transcript_without_speech_is_refused_in_plain_words():
    empty = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\n\n2\n00:00:03.000 --> 00:00:04.000\n"
    assert turns(empty) == []
    with pytest.raises(InputError, match="aucune parole"):
        check_transcript(empty)
    check_transcript(VTT)  # no error


def test_vtt_and_srt_uploads_are_read_as_text(tmp_path):
    path = tmp_path / "reunion.vtt"
    path.write_text(VTT, encoding="utf-8")
    assert read_upload(path).startswith("WEBVTT")
    path = tmp_path / "vide.srt"
    path.write_bytes(b"")
    with pytest.raises(InputError, match="vide"):
        read_upload(path)


def test_agent_uploads_a_vtt_and_gets_minutes_with_time_codes(
    client, agent, colleague, django_capture_on_commit_callbacks
):
    client.force_login(agent)
    upload = io.BytesIO(VTT.encode("utf-8"))
    upload.name = "conseil.vtt"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("redaction:tool", args=["minutes"]), {"file": upload})
    job = WritingJob.objects.get()
    assert response["Location"] == job.get_absolute_url()
    job.refresh_from_db()
    assert job.state == JobState.DONE
    html = client.get(job.get_absolute_url()).content.decode()
    assert "Présents (intervenants)" in html and "Hélène Marchand" in html
    assert "00:00:23, ligne 25" in html
    assert "Bruno Caron" in html and "2025-05-30" in html
    # the minutes can be copied: the text is on the page (the button shows with JavaScript)
    assert 'data-copy="texte-a-copier"' in html and "redaction/copy.js" in html
    assert "**Présents (intervenants) :** Hélène Marchand, Bruno Caron" in html
    markdown = client.get(reverse("redaction:export_job", args=[job.pk, "md"])).content.decode()
    assert "(00:00:28, ligne 29)" in markdown
    client.force_login(colleague)
    assert client.get(job.get_absolute_url()).status_code == 404


def test_bad_transcripts_queue_nothing(client, agent):
    client.force_login(agent)
    upload = io.BytesIO(b"WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\n\n")
    upload.name = "vide.vtt"
    page = client.post(reverse("redaction:tool", args=["minutes"]), {"file": upload})
    assert "aucune parole" in page.content.decode()
    english = (
        "WEBVTT\n\n1\n00:00:01.000 --> 00:00:09.000\n<v John Smith>Good morning everyone, "
        "the committee decided to keep the bus service running until the end of the year "
        "because the ridership was good and the budget allows it.\n"
    )
    upload = io.BytesIO(english.encode("utf-8"))
    upload.name = "meeting.vtt"
    page = client.post(reverse("redaction:tool", args=["minutes"]), {"file": upload})
    assert "ne semble pas être en français" in page.content.decode()
    assert WritingJob.objects.count() == 0
