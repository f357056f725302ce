"""Minutes from a meeting transcript: WebVTT or SRT subtitles (what a speech-recognition tool
writes), or a text where each line is a speaker's turn (« [00:01:15] Anne Girard : … »,
« Anne Girard (00:01:15) : … », « Anne Girard : … »).

No audio is read here (no offline French speech model ships as a package: docs/redaction.md);
the transcript is the input. What a transcript changes for the minutes, compared with notes:

* the attendees are the speakers (in order of first turn), plus anyone said to be excused;
* a cue is cut anywhere, so the consecutive cues of one speaker are joined into one turn, and
  the sentences are read across them;
* agenda items are announced aloud (« Premier point à l'ordre du jour : … », « On passe au point
  2, … », « Point 3, questions diverses »);
* a question is not a decision (« Est-ce qu'on valide ? »), a decision is a sentence with a
  decision verb;
* an action said in the first person (« Je préparerai la note… », « Je m'en charge ») belongs
  to its speaker; one addressed to someone (« Bruno, vous enverrez… ») to that person;
* hesitations (« euh », « heu ») are left out of the text shown; every item keeps its place in
  the source (offsets and line of the original file) and its time code.

Everything is extractive: each item is a sentence of the transcript.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field

from territoria.redaction.services.grounding import date_matches, fold
from territoria.redaction.services.minutes import (
    _ACTION,
    _DECISION,
    AgendaItem,
    Item,
    Minutes,
    _owner,
)
from territoria.redaction.services.texts import InputError, Span, sentences

_TIME = r"(?:\d{1,2}:)?\d{1,2}:\d{2}(?:[.,]\d{1,3})?"
_CUE_TIMING = re.compile(rf"^\s*(?P<start>{_TIME})\s*-->\s*(?P<end>{_TIME})")
_VOICE = re.compile(r"^<v(?:\.[\w.-]+)?\s+(?P<speaker>[^>]{1,60})>(?P<text>.*)$")
_NAME = r"(?:(?:M\.|Mme|Mlle|Monsieur|Madame|Dr)\s+)?[A-ZÀ-Ý][\w'’-]*(?:\s+[A-ZÀ-Ý][\w'’-]*){0,3}"
_SPEAKER_LINE = re.compile(
    rf"^\s*(?:\[(?P<t1>{_TIME})\]\s*|(?P<t2>{_TIME})\s+)?"
    rf"(?P<speaker>{_NAME})\s*(?:\((?P<t3>{_TIME})\))?\s*:\s+(?P<text>\S.*)$"
)
# Words that start a line of notes (« Présents : … »), not a speaker's name.
_NOT_SPEAKERS = {
    "present",
    "presents",
    "presente",
    "presentes",
    "excuse",
    "excuses",
    "excusee",
    "excusees",
    "absent",
    "absents",
    "ordre du jour",
    "decision",
    "decisions",
    "action",
    "actions",
    "point",
    "objet",
    "note",
    "notes",
    "date",
    "lieu",
    "participants",
    "membres presents",
    "compte rendu",
}
_FILLER = re.compile(r"(?:,\s*)?\b(?:euh|heu|hum|bah)\b\s*,?\s*", re.IGNORECASE)
_AGENDA = re.compile(
    r"(?:\b(?:premier|deuxième|troisième|dernier)\s+point\b|\bpoint\s+(?:n°\s*)?(?P<n>\d+)\b"
    r"|\bpoint\s+suivant\b)"
    r"(?:\s+(?:à|de)\s+l['’]ordre\s+du\s+jour)?\s*(?:[:,–—-]\s*|\s+(?:sur|concernant)\s+)"
    r"(?P<title>[^?!]{3,150}?)\s*[.!]?$",
    re.IGNORECASE,
)
_EXCUSED_SAID = re.compile(
    rf"(?P<name>{_NAME})\s+(?:est|sont)\s+(?:excusée?s?|absente?s?)\b",
)
_FIRST_PERSON_ACTION = re.compile(
    r"\b(?:je\s+m['’]en\s+(?:charge|occupe)|je\s+me\s+charge|"
    r"j['’]\w+rai\b|je\s+(?:(?:vous|lui|leur|le|la|les|m['’]en)\s+)*(?!(?:serai|aurai)\b)\w+rai\b)",
    re.IGNORECASE,
)
_ADDRESSED_ACTION = re.compile(
    rf"^(?P<name>{_NAME})\s*,\s*(?:vous|tu)\s+(?:(?:nous|leur|lui|le|la|les)\s+)*\w+(?:rez|ras)\b"
)


@dataclass
class Turn:
    speaker: str
    time: str  # hh:mm:ss of the first cue of the turn, "" when the transcript has none
    # text, offset and line in the file, time code of its cue
    pieces: list[tuple[str, int, int, str]] = field(default_factory=list)

    def text_and_map(self) -> tuple[str, list[int], list[tuple[int, int, str]]]:
        """The joined text, and for each piece its offset in the joined text and (offset, line,
        time code) in the original file."""
        joined, starts, origins = "", [], []
        for text, offset, line, time in self.pieces:
            if joined:
                joined += " "
            starts.append(len(joined))
            origins.append((offset, line, time))
            joined += text
        return joined, starts, origins


def _hms(raw: str | None) -> str:
    if not raw:
        return ""
    parts = re.split(r"[:]", re.split(r"[.,]", raw)[0])
    parts = ["0"] * (3 - len(parts)) + parts
    return ":".join(f"{int(p):02d}" for p in parts)


def _clean_speaker(name: str) -> str | None:
    name = name.strip()
    if fold(name) in _NOT_SPEAKERS or len(name) > 60:
        return None
    return name


def is_transcript(text: str) -> bool:
    """WebVTT, SRT, or at least 3 speaker turns by 2 or more speakers making up most lines."""
    if text.lstrip("\ufeff").startswith("WEBVTT"):
        return True
    lines = [line for line in text.split("\n") if line.strip()]
    if sum(bool(_CUE_TIMING.match(line)) for line in lines) >= 2:
        return True
    turns = [m for line in lines if (m := _SPEAKER_LINE.match(line))]
    speakers = {_clean_speaker(m.group("speaker")) for m in turns} - {None}
    return len(turns) >= 3 and len(speakers) >= 2 and len(turns) >= 0.5 * len(lines)


def turns(text: str) -> list[Turn]:
    """The turns of a transcript, consecutive cues of one speaker joined."""
    found: list[Turn] = []
    offset = 0
    time = ""
    for number, line in enumerate(text.split("\n"), start=1):
        line_offset = offset
        offset += len(line) + 1
        stripped = line.strip()
        if not stripped or stripped.startswith(("WEBVTT", "NOTE", "STYLE", "REGION")):
            continue
        if timing := _CUE_TIMING.match(stripped):
            time = _hms(timing.group("start"))
            continue
        if re.fullmatch(r"\d+", stripped):
            continue  # an SRT or VTT cue number
        speaker, content, start = None, stripped, line_offset + line.index(stripped)
        if voice := _VOICE.match(stripped):
            speaker, content = voice.group("speaker").strip(), voice.group("text")
            start += voice.start("text")
        elif match := _SPEAKER_LINE.match(line):
            name = _clean_speaker(match.group("speaker"))
            if name:
                speaker, content = name, match.group("text")
                start = line_offset + match.start("text")
                stamp = match.group("t1") or match.group("t2") or match.group("t3")
                time = _hms(stamp) if stamp else time
        content = re.sub(r"</?[a-z][^>]*>", "", content).rstrip()
        if content.startswith("- "):
            content, start = content[2:], start + 2
        if not content.strip():
            continue
        if speaker is None and found:
            speaker = found[-1].speaker  # a cue that goes on the previous speaker's turn
        speaker = speaker or ""
        if found and found[-1].speaker == speaker:
            found[-1].pieces.append((content, start, number, time))
        else:
            found.append(Turn(speaker, time, [(content, start, number, time)]))
    return found


def check_transcript(text: str) -> None:
    """InputError when a transcript holds no speech (only cue numbers and time codes)."""
    if is_transcript(text) and not any(turn.pieces for turn in turns(text)):
        raise InputError(
            "La transcription ne contient aucune parole : seulement des numéros et des repères "
            "de temps (fichier VTT ou SRT vide ?)."
        )


def _span(joined_start: int, joined_end: int, starts, origins) -> tuple[Span, str]:
    """The span in the original file of a sentence of a joined turn, and its cue's time code."""
    i = max(0, bisect.bisect_right(starts, joined_start) - 1)
    offset, line, time = origins[i]
    begin = offset + joined_start - starts[i]
    j = max(0, bisect.bisect_right(starts, max(joined_start, joined_end - 1)) - 1)
    end_offset, _line, _time = origins[j]
    end = end_offset + joined_end - starts[j]
    return Span(begin, end, line), time


def _shown(sentence: str) -> str:
    text = _FILLER.sub(" ", sentence)
    text = re.sub(r"\s{2,}", " ", text).strip(" ,")
    return text[:1].upper() + text[1:] if text else text


def _addressee(name: str, speakers: list[str]) -> str:
    first = fold(name.split()[-1])
    for speaker in speakers:
        if first in {fold(p) for p in speaker.split()}:
            return speaker
    return name


def extract_from_transcript(text: str, max_discussion: int = 4) -> Minutes:
    all_turns = turns(text)
    speakers: list[str] = []
    for turn in all_turns:
        if turn.speaker and turn.speaker not in speakers:
            speakers.append(turn.speaker)
    excused: list[str] = []
    current = AgendaItem("Points généraux", None)
    items: list[AgendaItem] = []
    people = {fold(p.split()[-1]) for p in speakers if p.split()}
    for turn in all_turns:
        joined, starts, origins = turn.text_and_map()
        for sentence, local in sentences(joined):
            sentence = sentence.strip()
            span, time = _span(local.start, local.end, starts, origins)
            shown = _shown(sentence)
            for match in _EXCUSED_SAID.finditer(sentence):
                name = match.group("name")
                if fold(name.split()[0]) not in {"il", "elle", "on"} and name not in excused:
                    excused.append(name)
            if agenda := _AGENDA.search(sentence):
                title = agenda.group("title").strip(" .:,")
                title = title[:1].lower() + title[1:] if title[1:2].islower() else title
                items.append(AgendaItem(title, span))
                continue
            if _EXCUSED_SAID.search(sentence) or len(shown.split()) < 3:
                continue  # « Madame Leroy est excusée. », « D'accord. »
            owner_item = items[-1] if items else current
            entry = Item(shown, span)
            entry.time = time
            entry.speaker = turn.speaker
            if sentence.endswith("?"):
                if len(owner_item.discussion) < max_discussion:
                    owner_item.discussion.append(entry)
                continue
            first_person = _FIRST_PERSON_ACTION.search(sentence)
            addressed = _ADDRESSED_ACTION.match(sentence)
            if first_person or addressed or _ACTION.search(sentence):
                if first_person:
                    entry.owner = turn.speaker
                elif addressed:
                    entry.owner = _addressee(addressed.group("name"), speakers)
                else:
                    entry.owner = _owner(sentence, people)
                dates = [iso for iso, _s, _e in date_matches(sentence)]
                entry.due = dates[-1] if dates else ""
            if entry.owner or entry.due:
                owner_item.actions.append(entry)
            elif _DECISION.search(sentence):
                owner_item.decisions.append(entry)
            elif len(owner_item.discussion) < max_discussion and len(shown.split()) >= 4:
                owner_item.discussion.append(entry)  # not « Très bien, merci. »
    if current.discussion or current.decisions or current.actions:
        items.insert(0, current)
    return Minutes(speakers, excused, items, source="transcription")
