"""Personal data masked before an exchange is written to the log: e-mails, phone numbers,
names introduced by a civility or a self-introduction, IBANs."""

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


def mask_personal_data(text: str) -> str:
    text = _EMAIL.sub("[e-mail]", text or "")
    text = _IBAN.sub("[IBAN]", text)
    text = _PHONE.sub("[téléphone]", text)
    text = _CIVILITY_NAME.sub(lambda m: f"{m.group(1)} [nom]", text)
    return _INTRODUCTION.sub(lambda m: f"{m.group(1)} [nom]", text).strip()


_PLACEHOLDER = re.compile(r"\[(?:e-mail|IBAN|téléphone|nom)\]")


def without_personal_data(text: str) -> str:
    """The text with its personal data removed (not replaced): what is searched and answered.

    Contact details are not a topic; their pieces, found in no document, would otherwise weigh
    the most in the abstention rule, and they have no business in an LLM prompt either.
    """
    return re.sub(r"\s{2,}", " ", _PLACEHOLDER.sub(" ", mask_personal_data(text))).strip()
