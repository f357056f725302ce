"""From meeting notes or a transcript to structured minutes — extractive, every item linked to
its place in the source.

The structure: attendees (and excused), agenda items, per item the discussion sentences, the
decisions (sentences that carry a decision verb) and the actions (an owner — a name of the
attendees or a name after a civility — a task, and a due date when one is written).
Nothing is written that is not a sentence (or a list item) of the source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from territoria.redaction.services.grounding import date_matches, fold, names
from territoria.redaction.services.texts import Span, sentences

_ATTENDEES = re.compile(
    r"^\s*(?:[-*•]\s*)?(?:étaient\s+)?(?P<label>présents?|présentes?|participants?|participantes?|membres présents)\s*[:：-]\s*(?P<list>.+)$",
    re.IGNORECASE,
)
_EXCUSED = re.compile(
    r"^\s*(?:[-*•]\s*)?(?:étaient\s+)?(?P<label>excusés?|excusées?|absents?(?:\s+excusés?)?)\s*[:：-]\s*(?P<list>.+)$",
    re.IGNORECASE,
)
_ITEM = re.compile(
    r"^\s*(?:#{1,4}\s*)?(?:(?:point|item)\s*(?:n°\s*)?\d+\s*[:.)–—-]?|\d{1,2}\s*[.)–—-]|[IVX]{1,5}\s*[.)–—-])\s*(?P<title>\S.{2,150})$",
    re.IGNORECASE,
)
_HEADING = re.compile(r"^\s*#{1,4}\s+(?P<title>.{3,150})$")
_DECISION = re.compile(
    r"\b(?:décid\w*|decid\w*|adopt\w*|approuv\w*|valid\w*|vot[ée]\w*|à l'unanimité|unanimité|"
    r"act[ée]s?\b|accord(?:e|é|ée|ent)?\b|reten\w*|retien\w*|arrêt[ée]\w*|arbitr\w*|autoris\w*|rejet\w*)",
    re.IGNORECASE,
)
_ACTION = re.compile(
    r"\b(?:se charge\w*|(?:est|sont) chargé\w*|doit|doivent|devra|devront|transmettra|transmettront|"
    r"préparera|prépareront|enverra|enverront|rédigera|rédigeront|contactera|organisera|"
    r"présentera|fera|feront|action\s*:|à faire|relancera|vérifiera|proposera)\b",
    re.IGNORECASE,
)


@dataclass
class Item:
    text: str
    span: Span
    owner: str = ""
    due: str = ""  # ISO date
    time: str = ""  # hh:mm:ss in a transcript
    speaker: str = ""  # who said it, in a transcript

    def as_dict(self) -> dict:
        data = {"text": self.text, "source": self.span.as_dict()}
        if self.owner or self.due:
            data.update(owner=self.owner, due=self.due)
        if self.time or self.speaker:
            data.update(time=self.time, speaker=self.speaker)
        return data

    def where(self) -> str:
        return f"{self.time}, ligne {self.span.line}" if self.time else f"ligne {self.span.line}"


@dataclass
class AgendaItem:
    title: str
    span: Span | None
    discussion: list[Item] = field(default_factory=list)
    decisions: list[Item] = field(default_factory=list)
    actions: list[Item] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "title": self.title,
            "source": self.span.as_dict() if self.span else None,
            "discussion": [i.as_dict() for i in self.discussion],
            "decisions": [i.as_dict() for i in self.decisions],
            "actions": [i.as_dict() for i in self.actions],
        }


@dataclass
class Minutes:
    attendees: list[str]
    excused: list[str]
    items: list[AgendaItem]
    source: str = "notes"  # or "transcription" (services/transcript.py)

    def as_dict(self) -> dict:
        return {
            "attendees": self.attendees,
            "excused": self.excused,
            "items": [i.as_dict() for i in self.items],
            "source": self.source,
        }

    @property
    def decisions(self) -> list[Item]:
        return [d for item in self.items for d in item.decisions]

    @property
    def actions(self) -> list[Item]:
        return [a for item in self.items for a in item.actions]

    def to_markdown(self) -> str:
        lines = ["# Compte rendu", ""]
        if self.attendees:
            label = "Présents (intervenants)" if self.source == "transcription" else "Présents"
            lines.append(f"**{label} :** " + ", ".join(self.attendees))
        if self.excused:
            lines.append("**Excusés :** " + ", ".join(self.excused))
        for item in self.items:
            lines += ["", f"## {item.title}", ""]
            for d in item.discussion:
                who = f"{d.speaker} : " if d.speaker else ""
                lines.append(f"- {who}{d.text} ({d.where()})")
            if item.decisions:
                lines += ["", "**Décisions**", ""]
                lines += [f"- {d.text} ({d.where()})" for d in item.decisions]
            if item.actions:
                lines += ["", "**Actions**", ""]
                for a in item.actions:
                    who = f"{a.owner} — " if a.owner else ""
                    when = f" — échéance {a.due}" if a.due else ""
                    lines.append(f"- {who}{a.text}{when} ({a.where()})")
        return "\n".join(lines).strip() + "\n"


def _split_people(text: str) -> list[str]:
    people = [p.strip(" .;") for p in re.split(r"[,;]|\bet\b", text) if p.strip(" .;")]
    return [p for p in people if len(p) <= 80]


def extract_minutes(text: str, max_discussion: int = 4) -> Minutes:
    """Minutes of meeting notes, or of a transcript (WebVTT, SRT, speaker turns: read by
    services/transcript.py)."""
    from territoria.redaction.services import transcript

    if transcript.is_transcript(text):
        return transcript.extract_from_transcript(text, max_discussion)
    return extract_from_notes(text, max_discussion)


def extract_from_notes(text: str, max_discussion: int = 4) -> Minutes:
    attendees: list[str] = []
    excused: list[str] = []
    items: list[AgendaItem] = []
    current = AgendaItem("Points généraux", None)
    consumed_lines: set[int] = set()
    line_offsets = [0] + [m.end() for m in re.finditer(r"\n", text)]
    for number, line in enumerate(text.split("\n"), start=1):
        offset = line_offsets[number - 1]
        if match := _ATTENDEES.match(line):
            attendees += _split_people(match.group("list"))
            consumed_lines.add(number)
        elif match := _EXCUSED.match(line):
            excused += _split_people(match.group("list"))
            consumed_lines.add(number)
        elif (match := _ITEM.match(line) or _HEADING.match(line)) and len(line) < 160:
            title = match.group("title").strip(" :.")
            consumed_lines.add(number)
            if re.match(r"(?:ordre du jour|compte rendu|relevé de décisions)\b", fold(title)):
                continue
            items.append(AgendaItem(title, Span(offset, offset + len(line), number)))
    # An agenda announced at the top and then used as headings: keep the heading (the later
    # occurrence, followed by the discussion), drop the line of the agenda.
    last = {fold(item.title): item for item in items}
    items = [item for item in items if last[fold(item.title)] is item]
    # Sentences, assigned to the last agenda item that starts before them.
    starts = [(i.span.start, i) for i in items if i.span]
    people = {fold(p.split()[-1]) for p in attendees + excused if p.split()}
    for sentence, span in sentences(text):
        if span.line in consumed_lines or len(sentence.split()) < 3:
            continue
        if re.match(r"(?:ordre du jour|compte rendu|releve de decisions)\b", fold(sentence)):
            continue  # a heading of the notes, not something said
        owner_item = current
        for start, item in starts:
            if start <= span.start:
                owner_item = item
        entry = Item(sentence, span)
        if _ACTION.search(sentence):
            entry.owner = _owner(sentence, people)
            dates = [iso for iso, s, _e in date_matches(sentence)]
            entry.due = dates[-1] if dates else ""
        if entry.owner or entry.due:  # an action has someone to do it or a date to do it by
            owner_item.actions.append(entry)
        elif _DECISION.search(sentence):
            owner_item.decisions.append(entry)
        elif len(owner_item.discussion) < max_discussion:
            owner_item.discussion.append(entry)
    if current.discussion or current.decisions or current.actions:
        items.insert(0, current)
    return Minutes(attendees, excused, items)


def _owner(sentence: str, people: set[str]) -> str:
    for name, _start in names(sentence):
        if not people or fold(name.split()[-1]) in people:
            return name
    for name, _start in names(sentence):
        return name
    lowered = sentence.lower()
    for service in ("service", "direction", "pôle", "mission", "cabinet"):
        match = re.search(
            rf"\b(?:le |la |les )?{service}(?:\s+(?:des|du|de la|de l'|d'))?\s*[\wàâçéèêîôû-]+",
            lowered,
        )
        if match:
            return sentence[match.start() : match.end()].strip()
    return ""
