"""Plain language: a French readability report and suggestions the agent accepts or rejects.

Measures (all deterministic):

* Kandel & Moles (1958), Flesch's formula refitted for French:
  207 − 1,015 × (words / sentence) − 73,6 × (syllables / word). Higher = easier;
  ≥ 60 reads easily, < 30 is hard (the scale of Flesch).
* LIX (Björnsson): words / sentence + 100 × (words of more than 6 letters) / words. Lower = easier.
* long sentences (> 25 words), administrative words with a plainer equivalent (lexique.json),
  passive voice (être + past participle), nominalisations (-tion, -ment, -ance… nouns), acronyms
  never spelled out in the text.

Suggestions carry a stable id and, for the lexicon, a replacement; `apply_suggestions` applies the
accepted ones and nothing else. Long sentences, passives, nominalisations and acronyms are
signalled without an automatic rewrite: a person (or the checked model rewrite) decides.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from territoria.redaction.services.texts import sentences, words

LONG_SENTENCE_WORDS = 25
LEXICON_PATH = Path(__file__).resolve().parent.parent / "data" / "lexique.json"
_VOWELS = re.compile(r"[aeiouyàâäéèêëîïôöùûüœæ]+", re.IGNORECASE)
_PARTICIPLE = r"[a-zàâéèêîôûç]+(?:é|ée|és|ées|i|ie|is|ies|u|ue|us|ues|it|ite|its|ites|ert|erte|erts|ertes|int|inte|ints|intes)"
_PASSIVE = re.compile(
    rf"\b(?:est|sont|était|étaient|sera|seront|serait|seraient|soit|soient|être|été|fut|furent)"
    rf"(?:\s+(?:pas|plus|déjà|bien|également|ainsi|notamment|toujours|jamais))?\s+(?P<participle>{_PARTICIPLE})\b",
    re.IGNORECASE,
)
_NOT_PARTICIPLES = {
    "ici",
    "aussi",
    "lui",
    "parmi",
    "celui",
    "depuis",
    "permis",
    "tenu",
    "tenus",
    "possible",
}
_NOMINALISATION = re.compile(
    r"\b[a-zàâéèêîôûç]{4,}(?:tion|tions|sion|sions|ment|ments|ance|ances|ence|ences|age|ages|ure|ures)\b",
    re.IGNORECASE,
)
_NOT_NOMINALISATIONS = {
    "comment",
    "notamment",
    "également",
    "seulement",
    "justement",
    "vraiment",
    "moment",
    "moments",
    "document",
    "documents",
    "gouvernement",
    "département",
    "parlement",
    "règlement",
    "logement",
    "logements",
    "nature",
    "page",
    "pages",
    "image",
    "images",
    "âge",
    "usage",
    "message",
    "messages",
    "commune",
    "mesure",
    "mesures",
    "procédure",
    "procédures",
    "personne",
    "question",
    "questions",
    "nation",
    "station",
    "stations",
    "information",
    "informations",
    "administration",
    "collectivité",
    "France",
    "avance",
    "chance",
    "présence",
    "séance",
    "séances",
    "finances",
    "urgence",
    "heure",
    "heures",
    "voiture",
    "culture",
    "structure",
    "structures",
    "fourniture",
    "fournitures",
    "travaux",
    "suffisamment",
    "directement",
    "actuellement",
    "récemment",
    "précisément",
    "conformément",
    "préalablement",
    "antérieurement",
    "ultérieurement",
    "concomitamment",
    "exclusivement",
    "immédiatement",
    "simplement",
    "totalement",
    "partiellement",
    "respectivement",
    "forcément",
}
_DETERMINER = re.compile(
    r"(?:\b(?:le|la|les|un|une|des|du|au|aux|ce|cet|cette|ces|son|sa|ses|leur|leurs|notre|votre|de)"
    r"|\b[ld]['’])\s*$",
    re.IGNORECASE,
)


def _is_noun(sentence: str, match: re.Match) -> bool:
    """A word in -ment is a noun only after a determiner (« le paiement ») — otherwise it is
    most often an adverb (« rapidement »); the other suffixes (-tion, -ance…) make nouns."""
    if not match.group().lower().endswith(("ment", "ments")):
        return True
    return bool(_DETERMINER.search(sentence[: match.start()]))


_ACRONYM = re.compile(r"\b[A-Z][A-Z0-9]{1,7}\b")
_COMMON_ACRONYMS = {
    "UE",
    "TVA",
    "SNCF",
    "PDF",
    "HT",
    "TTC",
    "RGPD",
    "CNIL",
    "EPCI",
    "SIRET",
    "SIREN",
}


@lru_cache(maxsize=1)
def lexicon() -> dict[str, str]:
    return json.loads(LEXICON_PATH.read_text(encoding="utf-8"))["entries"]


@lru_cache(maxsize=1)
def _lexicon_re() -> re.Pattern:
    keys = sorted(lexicon(), key=len, reverse=True)
    alternatives = "|".join(re.escape(k).replace("'", "['’]").replace(r"\ ", r"\s+") for k in keys)
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


def syllables(word: str) -> int:
    word = word.lower()
    count = len(_VOWELS.findall(word))
    # A final mute e (or -es) after a consonant is not pronounced. The -ent of plural verbs is
    # not removed: it cannot be told from nouns (président, agent) without a dictionary.
    if len(word) > 3 and re.search(r"[^aeiouy](?:e|es)$", word):
        count -= 1
    return max(1, count)


@dataclass
class Suggestion:
    id: str
    kind: str  # lexique / phrase_longue / passif / nominalisation / sigle
    start: int
    end: int
    original: str
    replacement: str | None
    message: str

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "original": self.original,
            "replacement": self.replacement,
            "message": self.message,
        }


@dataclass
class Report:
    sentences: int
    words: int
    syllables: int
    long_words: int
    kandel_moles: float
    lix: float
    long_sentences: int
    passives: int
    nominalisations: int
    acronyms: list[str]
    suggestions: list[Suggestion] = field(default_factory=list)

    @property
    def words_per_sentence(self) -> float:
        return self.words / self.sentences if self.sentences else 0.0

    @property
    def level(self) -> str:
        score = self.kandel_moles
        if score >= 70:
            return "facile"
        if score >= 50:
            return "assez facile"
        if score >= 30:
            return "difficile"
        return "très difficile"

    def as_dict(self) -> dict:
        return {
            "sentences": self.sentences,
            "words": self.words,
            "words_per_sentence": round(self.words_per_sentence, 1),
            "syllables_per_word": round(self.syllables / self.words, 2) if self.words else 0,
            "kandel_moles": round(self.kandel_moles, 1),
            "lix": round(self.lix, 1),
            "level": self.level,
            "long_sentences": self.long_sentences,
            "passives": self.passives,
            "nominalisations": self.nominalisations,
            "acronyms": self.acronyms,
            "suggestions": [s.as_dict() for s in self.suggestions],
        }


def scores(text: str) -> tuple[int, int, int, int, float, float]:
    """(sentences, words, syllables, long words, Kandel-Moles, LIX)."""
    parts = sentences(text)
    tokens = words(text)
    n_sentences, n_words = max(1, len(parts)), len(tokens)
    if not n_words:
        return len(parts), 0, 0, 0, 0.0, 0.0
    n_syllables = sum(syllables(w) for w in tokens)
    long_words = sum(len(w) > 6 for w in tokens)
    kandel_moles = 207 - 1.015 * (n_words / n_sentences) - 73.6 * (n_syllables / n_words)
    lix = n_words / n_sentences + 100 * long_words / n_words
    return n_sentences, n_words, n_syllables, long_words, kandel_moles, lix


def report(text: str) -> Report:
    n_sentences, n_words, n_syllables, long_words, km, lix = scores(text)
    suggestions: list[Suggestion] = []
    long_count = 0
    for sentence, span in sentences(text):
        count = len(words(sentence))
        if count > LONG_SENTENCE_WORDS:
            long_count += 1
            suggestions.append(
                Suggestion(
                    f"phrase-{span.start}",
                    "phrase_longue",
                    span.start,
                    span.end,
                    sentence,
                    None,
                    f"Phrase de {count} mots : coupez-la en phrases de 15 à 20 mots (une idée par phrase).",
                )
            )
    titles = _cited_titles(text)
    for match in _lexicon_re().finditer(text):
        key = re.sub(r"\s+", " ", match.group().lower().replace("’", "'"))
        replacement = lexicon().get(key)
        if replacement is None or any(s <= match.start() < e for s, e in titles):
            continue  # the title of a cited law is quoted as it is
        start, original = match.start(), match.group()
        elided = re.search(r"\b(d|qu)['’]$", text[: match.start()], re.IGNORECASE)
        if elided and replacement[0].lower() not in "aeiouyéèêàâîôh":
            # « d'opérer » → « de faire », not « d'faire ».
            start = elided.start()
            original = text[start : match.end()]
            replacement = ("de " if elided.group(1).lower() == "d" else "que ") + replacement
        if original[0].isupper():
            replacement = replacement[0].upper() + replacement[1:]
        suggestions.append(
            Suggestion(
                f"mot-{start}",
                "lexique",
                start,
                match.end(),
                original,
                replacement,
                f"« {original} » : plus simple, « {replacement} ».",
            )
        )
    passives = 0
    for match in _PASSIVE.finditer(text):
        if match.group("participle").lower() in _NOT_PARTICIPLES:
            continue
        passives += 1
        suggestions.append(
            Suggestion(
                f"passif-{match.start()}",
                "passif",
                match.start(),
                match.end(),
                match.group(),
                None,
                "Voix passive : dites qui fait l'action (« la mairie envoie » plutôt que « est envoyé »).",
            )
        )
    nominalisations = 0
    for sentence, span in sentences(text):
        nouns = [
            m
            for m in _NOMINALISATION.finditer(sentence)
            if m.group().lower() not in _NOT_NOMINALISATIONS and _is_noun(sentence, m)
        ]
        nominalisations += len(nouns)
        if len(nouns) >= 3:
            suggestions.append(
                Suggestion(
                    f"noms-{span.start}",
                    "nominalisation",
                    span.start,
                    span.end,
                    sentence,
                    None,
                    f"{len(nouns)} noms d'action ({', '.join(m.group() for m in nouns[:4])}) : "
                    "préférez des verbes (« la réalisation des travaux » → « réaliser les travaux »).",
                )
            )
    acronyms = _unexplained_acronyms(text)
    for acronym, start in acronyms:
        suggestions.append(
            Suggestion(
                f"sigle-{start}",
                "sigle",
                start,
                start + len(acronym),
                acronym,
                None,
                f"Sigle « {acronym} » jamais développé : écrivez-le en toutes lettres la première fois.",
            )
        )
    suggestions.sort(key=lambda s: (s.start, s.kind))
    return Report(
        n_sentences,
        n_words,
        n_syllables,
        long_words,
        km,
        lix,
        long_count,
        passives,
        nominalisations,
        sorted({a for a, _s in acronyms}),
        suggestions,
    )


_CITED_TITLE = re.compile(
    r"\b(?:loi|décret|ordonnance|arrêté|directive|règlement)(?:\s+\w+)?\s+n\s*°\s*[\w/-]+"
    r"(?:\s+du\s+\d{1,2}(?:er)?\s+\w+\s+\d{4})?"
    # The title runs to the end of the clause; a comma continues it only before an enumeration
    # (« relative à l'informatique, aux fichiers et aux libertés »).
    r"(?:[^.;:(),]|,\s*(?=(?:aux?|à|et|de|des|du|la|le|les|en)\b)){0,160}",
    re.IGNORECASE,
)


def _cited_titles(text: str) -> list[tuple[int, int]]:
    """Spans of the titles of cited texts (« loi n° 78-17 du 6 janvier 1978 relative à … »)."""
    return [(m.start(), m.end()) for m in _CITED_TITLE.finditer(text)]


def _unexplained_acronyms(text: str) -> list[tuple[str, int]]:
    """The first use of each acronym that is never followed or preceded by its expansion in
    parentheses: « CGCT (code général…) » or « code général … (CGCT) »."""
    seen, result = set(), []
    for match in _ACRONYM.finditer(text):
        acronym = match.group()
        if acronym in seen or acronym in _COMMON_ACRONYMS or not re.search("[A-Z]{2}", acronym):
            continue
        seen.add(acronym)
        if re.search(rf"\({re.escape(acronym)}\)|{re.escape(acronym)}\s*\(", text):
            continue
        if re.fullmatch(r"[LRDA]?\d+|[IVXLC]+", acronym):  # article parts, roman numerals
            continue
        result.append((acronym, match.start()))
    return result


def apply_suggestions(text: str, suggestions: list[Suggestion], accepted: set[str]) -> str:
    """The text with the accepted replacements applied (right to left, overlaps skipped)."""
    chosen = sorted(
        (s for s in suggestions if s.id in accepted and s.replacement is not None),
        key=lambda s: s.start,
        reverse=True,
    )
    result, limit = text, len(text) + 1
    for suggestion in chosen:
        if suggestion.end > limit:
            continue
        result = result[: suggestion.start] + suggestion.replacement + result[suggestion.end :]
        limit = suggestion.start
    return result


def kept_items(original: str, rewritten: str) -> list[str]:
    """What a rewrite lost or invented: figures, dates, amounts and legal references must be the
    same in both texts (empty list: the rewrite keeps them all)."""
    from territoria.redaction.services.grounding import inventory, ungrounded

    problems = [p.message for p in ungrounded(rewritten, inventory(original)) if p.kind != "name"]
    before, after = inventory(original), inventory(rewritten)
    for value in sorted(before.figures - after.figures):
        problems.append(f"chiffre perdu dans la réécriture : {value}")
    for value in sorted(before.dates - after.dates):
        problems.append(f"date perdue dans la réécriture : {value}")
    for value in sorted(before.references - after.references):
        problems.append(f"référence perdue dans la réécriture : {value}")
    return problems
