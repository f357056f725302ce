"""The French deliberation as a structure, and its deterministic checks.

    Titre (objet)
    Visas          « Vu le code général des collectivités territoriales, notamment son article L. 2121-29 ; »
    Considérants   « Considérant que … ; »
    Dispositif     « Le conseil municipal, après en avoir délibéré, DÉCIDE : Article 1er : … »
    Vote           effectif, votants, pour, contre, abstentions

`parse_act` reads this structure from the text of a past deliberation (PDF/ODT/DOCX turned into
text), `check_act` tells what is missing or inconsistent, `render_markdown` writes it out.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from territoria.redaction.services.grounding import amount_values, amounts, date_matches
from territoria.redaction.services.legal import check_references

_VISA = re.compile(r"^\s*(?:[-•*]\s*)?vu\b", re.IGNORECASE)
_CONSIDERANT = re.compile(
    r"^\s*(?:[-•*]\s*)?considérant\b|^\s*(?:[-•*]\s*)?considerant\b", re.IGNORECASE
)
_ARTICLE = re.compile(r"^\s*article\s+(?:\d+|premier|1er)\s*(?:er)?\s*[:.–—-]?\s*", re.IGNORECASE)
_PART_START = re.compile(
    r"\s+(?=(?:Vu|VU|Considérant|CONSIDÉRANT|Article\s+(?:\d+|1er|premier)\b|DÉCIDE|DECIDE)\b)"
)
_DECIDE = re.compile(r"\b(?:décide|decide|délibère|arrête)\b", re.IGNORECASE)


@dataclass
class Act:
    title: str = ""
    body: str = "Le conseil municipal"  # the deliberating assembly
    date: str = ""  # ISO date of the session
    visas: list[str] = field(default_factory=list)
    considerants: list[str] = field(default_factory=list)
    articles: list[str] = field(default_factory=list)
    vote_effectif: int | None = None
    vote_reel: int | None = None
    vote_pour: int | None = None
    vote_contre: int | None = None
    vote_abstention: int | None = None

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> Act:
        known = {k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def full_text(self) -> str:
        return render_markdown(self)


def _clean_line(line: str) -> str:
    return re.sub(r"\s+", " ", line).strip(" \t;,")


def parse_act(text: str) -> Act:
    """The parts of a deliberation's text (visas, considérants, articles); lines that are none of
    these are ignored. Articles run until the next article or the end of the dispositif."""
    act = Act()
    current_article: list[str] | None = None
    # Texts extracted from PDF or plain files often join the lines of a paragraph: each part
    # starts a line again (the capitals are the act's own: « Vu », « Considérant », « Article 2 »).
    text = _PART_START.sub("\n", text)
    for raw in text.split("\n"):
        line = _clean_line(raw)
        if not line:
            continue
        if _VISA.match(line):
            act.visas.append(line)
            current_article = None
        elif _CONSIDERANT.match(line):
            act.considerants.append(line)
            current_article = None
        elif _ARTICLE.match(line):
            rest = _ARTICLE.sub("", line, count=1)
            act.articles.append(rest)
            current_article = act.articles
        elif current_article is not None and not re.match(
            r"(?:fait et délibéré|pour extrait|le maire|la maire|le président|la présidente|adopté)",
            line,
            re.IGNORECASE,
        ):
            act.articles[-1] = f"{act.articles[-1]} {line}"
        elif not act.title and not _DECIDE.search(line) and len(line) > 10:
            act.title = line
    return act


@dataclass
class Check:
    code: str
    ok: bool
    message: str
    part: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def check_act(act: Act, sources: list[str] | None = None) -> list[Check]:
    """Required parts present; legal references well formed and, where their text is among the
    sources, existing; dates and amounts consistent; vote figures that add up."""
    checks: list[Check] = []

    def need(code, ok, message, part=""):
        checks.append(Check(code, bool(ok), message, part))

    need("titre", act.title.strip(), "La délibération a un objet (titre).", "titre")
    need("visas", act.visas, "Au moins un visa (« Vu … ») cite le fondement juridique.", "visas")
    need(
        "considerants",
        act.considerants,
        "Au moins un considérant motive la décision.",
        "considerants",
    )
    need("dispositif", act.articles, "Le dispositif compte au moins un article.", "dispositif")
    for i, visa in enumerate(act.visas, start=1):
        if not _VISA.match(visa):
            need("visa_forme", False, f"Visa {i} : commence par « Vu ».", "visas")
    for i, considerant in enumerate(act.considerants, start=1):
        if not _CONSIDERANT.match(considerant):
            need(
                "considerant_forme",
                False,
                f"Considérant {i} : commence par « Considérant ».",
                "considerants",
            )
    references = check_references("\n".join(act.visas + act.considerants + act.articles), sources)
    if not references and act.visas:
        need(
            "references",
            False,
            "Aucune référence juridique reconnue dans les visas (article d'un code, loi, décret).",
            "visas",
        )
    for reference in references:
        if reference.problems:
            for problem in reference.problems:
                need("reference", False, problem, "visas")
        else:
            verified = " — trouvée dans les sources" if reference.verified else ""
            need("reference", True, f"{reference.label} : bien formée{verified}.", "visas")
    # Dates: the texts cited (visas) cannot be later than the session.
    if act.date:
        for visa in act.visas:
            for iso, _s, _e in date_matches(visa):
                if not iso.startswith("?") and iso > act.date:
                    need(
                        "date",
                        False,
                        f"Le visa « {visa[:80]} » cite une date ({iso}) postérieure à la séance ({act.date}).",
                        "visas",
                    )
    # Amounts: every amount of the dispositif is motivated (found in the considérants or visas).
    motivated = amount_values("\n".join(act.considerants + act.visas))
    for i, article in enumerate(act.articles, start=1):
        for value, raw in amounts(article):
            if motivated and value not in motivated:
                need(
                    "montant",
                    False,
                    f"Article {i} : le montant {raw} n'apparaît pas dans les considérants "
                    f"({', '.join(sorted(motivated))} €) : vérifiez-le.",
                    "dispositif",
                )
    need_vote = [act.vote_pour, act.vote_contre, act.vote_abstention]
    if any(v is not None for v in need_vote):
        expressed = sum(v or 0 for v in need_vote)
        if act.vote_reel is not None and expressed > act.vote_reel:
            need(
                "vote",
                False,
                f"Vote : pour + contre + abstentions = {expressed}, plus que les {act.vote_reel} votants.",
                "vote",
            )
        if (
            act.vote_effectif is not None
            and act.vote_reel is not None
            and act.vote_reel > act.vote_effectif
        ):
            need(
                "vote",
                False,
                f"Vote : {act.vote_reel} votants pour un effectif de {act.vote_effectif}.",
                "vote",
            )
    return checks


def render_markdown(act: Act) -> str:
    lines = [f"# {act.title or 'Délibération'}", ""]
    if act.date:
        lines += [f"Séance du {act.date}", ""]
    lines += [f"{act.body},", ""]
    lines += [f"{v.rstrip(' ;')} ;" for v in act.visas]
    lines += [""] + [f"{c.rstrip(' ;')} ;" for c in act.considerants]
    lines += ["", "Après en avoir délibéré,", "", "**DÉCIDE :**", ""]
    for i, article in enumerate(act.articles, start=1):
        label = "Article 1er" if i == 1 else f"Article {i}"
        lines += [f"**{label}** : {article}", ""]
    vote = vote_line(act)
    if vote:
        lines += [vote, ""]
    return "\n".join(lines).strip() + "\n"


def vote_line(act: Act) -> str:
    if act.vote_pour is None:
        return ""
    parts = [f"Pour : {act.vote_pour}"]
    if act.vote_contre is not None:
        parts.append(f"contre : {act.vote_contre}")
    if act.vote_abstention is not None:
        parts.append(f"abstentions : {act.vote_abstention}")
    if act.vote_contre == 0 and not act.vote_abstention:
        return "Adopté à l'unanimité (" + ", ".join(parts) + ")."
    return "Vote — " + ", ".join(parts) + "."
