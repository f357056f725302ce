"""Personal data masked before an exchange is written to the log: e-mails, phone numbers,
names introduced by a civility or a self-introduction, IBANs, street addresses ("12 bis rue
Victor Hugo, 57000 Metz")."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<!\d)(?:(?:\+|00)33[\s.-]?|0)[1-9](?:[\s.-]?\d{2}){4}(?!\d)")
_IBAN = re.compile(r"\bFR\d{2}(?:\s?[0-9A-Z]{4}){5}\s?[0-9A-Z]{1,3}\b", re.IGNORECASE)
_NAME_WORD = r"[A-ZÀ-Ý][\w'’-]+"
_NAMES = rf"{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,2}}"
_CIVILITY_NAME = re.compile(
    rf"\b(M\.|Mme|Mlle|Monsieur|Madame|Mademoiselle|Me|Maître|Dr|Docteur)\s+({_NAMES})"
)
_INTRODUCTION = re.compile(
    rf"\b((?i:je m'appelle|je m’appelle|je suis|mon nom est|nom\s*:))\s+({_NAMES})"
)
# A street address: a house number (bis, ter, a letter), a street type, its name up to a
# comma, a full stop or 6 words, then an optional postcode and town.
_STREET_TYPES = (
    r"rue|ruelle|avenue|av\.?|boulevard|bd|bld|allée|allee|chemin|impasse|place|quai|route|"
    r"cours|square|passage|chaussée|chaussee|faubourg|fbg|rond-point|sentier|voie|villa|cité|"
    r"cite|résidence|residence|hameau|lotissement|parvis|esplanade|promenade|mail|clos|montée"
)
_NUMBER = r"\d{1,4}(?:\s?(?:bis|ter|quater|[a-d])\b)?"
_STREET_WORD = r"(?!\d{5}\b)(?:d['’]|l['’])?[\w’'-]+"
_STREET = re.compile(
    # not the minutes of a time ("8 h 30 place d'Armes") nor part of a larger number
    rf"(?<!h )(?<!h)(?<![\d.,:])\b(?P<number>{_NUMBER}),?\s+(?P<street>(?i:{_STREET_TYPES})\s+"
    rf"{_STREET_WORD}(?:\s+(?!(?i:et|ou|à|a|pour|depuis|car|mais|quand|est|sont)\b){_STREET_WORD}){{0,5}})"
    rf"(?P<town>,?\s+\d{{5}}(?:\s+[A-ZÀ-Ý][\w’'-]*(?:[\s-]+[A-ZÀ-Ý][\w’'-]*){{0,3}})?)?",
)


def mask_addresses(text: str, keep_street: bool = False) -> str:
    """Street addresses → "[adresse]" (or, `keep_street`, the street without number nor town)."""
    return _STREET.sub(lambda m: m.group("street") if keep_street else "[adresse]", text)


def mask_personal_data(text: str) -> str:
    text = _EMAIL.sub("[e-mail]", text or "")
    text = mask_addresses(text)
    text = _IBAN.sub("[IBAN]", text)
    text = _PHONE.sub("[téléphone]", text)
    text = _CIVILITY_NAME.sub(lambda m: f"{m.group(1)} [nom]", text)
    return _INTRODUCTION.sub(lambda m: f"{m.group(1)} [nom]", text).strip()


_PLACEHOLDER = re.compile(r"\[(?:e-mail|IBAN|téléphone|nom|adresse)\]")


def without_personal_data(text: str) -> str:
    """The text with its personal data removed (not replaced): what is searched and answered.

    Contact details are not a topic; their pieces, found in no document, would otherwise weigh
    the most in the abstention rule, and they have no business in an LLM prompt either. A
    street address keeps its street ("rue Victor Hugo": a collection calendar may be per
    street), not the house number nor the town.
    """
    text = mask_addresses(text or "", keep_street=True)
    return re.sub(r"\s{2,}", " ", _PLACEHOLDER.sub(" ", mask_personal_data(text))).strip()
