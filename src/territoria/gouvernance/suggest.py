"""Suggested answers to the AI-Act questionnaire, read from a record's text (never final).

A person always confirms: the page shows each suggested answer with the words that led to it.
The cues are regular expressions over the record's text (French, with English and Dutch words
for the foreign registers); `territoria gouvernance eval` measures how often the level they
lead to agrees with hand-made labels, on a part of the labels never used to write the cues.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from territoria.gouvernance import aiact


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


# (question, option or "oui", pattern). Patterns are matched on accent-folded lower-case text.
CUES: list[tuple[str, str, str]] = [
    # Fixed rules or a calculator: not an AI system (Art. 3(1)); the rest is then not asked.
    (
        "systeme_ia",
        "non",
        r"calculator|^berekenen\b|rekenregel|rekenmodule|rule[- ]based|controleert (de )?gegevens|gegevensuitwisseling|uitwisseling van gegevens|wisselt\b.{0,60}\bgegevens uit|informatiedeling|data (sharing|exchange)|echange de donnees|regel ?gebaseerd|pre-determined rules|rules applied|businesslogica|business ?logic|robotic process|\brpa\b|kit ouvert|experience apprenante",
    ),
    ("pratiques_interdites", "notation_sociale", r"notation sociale|social scor|score social"),
    (
        "pratiques_interdites",
        "prediction_infraction",
        r"predi\w* (la |de la )?(delinquance|criminalite|crime)|predictive policing",
    ),
    (
        "pratiques_interdites",
        "identification_temps_reel",
        r"reconnaissance faciale en temps reel|live facial recognition|real[- ]time facial",
    ),
    (
        "pratiques_interdites",
        "emotions_travail",
        r"emotion\w* (des|of) (agents|salaries|eleves|employees|students)",
    ),
    (
        "annexe_iii",
        "biometrie_identification",
        r"reconnaissance faciale|facial recognition|gezichtsherkenning|biometri|identification des personnes|fingerprint|empreintes? digitales?|vingerafdruk|speaker (identification|verification)",
    ),
    (
        "annexe_iii",
        "biometrie_emotions",
        r"reconnaissance des emotions|emotion recognition|emotieherkenning",
    ),
    (
        "annexe_iii",
        "infrastructure_critique",
        r"feux? (tricolores?|de signalisation)|traffic (light|signal)|verkeerslicht|verkeersregel|pilotage (du reseau|des vannes)|controle[- ]commande|scada",
    ),
    (
        "annexe_iii",
        "education_acces",
        r"affectation des eleves|admission|toelating|school place|school admission",
    ),
    (
        "annexe_iii",
        "education_evaluation",
        r"evaluation des (eleves|acquis)|proctoring|surveillance des examens|\bexams?\b",
    ),
    (
        "annexe_iii",
        "emploi_recrutement",
        r"recrutement|recruit|candidat|curriculum|\bcv\b|werving|sollicit|vacature|job applica",
    ),
    (
        "annexe_iii",
        "emploi_gestion",
        r"evaluation des agents|performance des agents|employee performance|personeelsbeoordeling|performance (review|appraisal)|entretien professionnel|beoordelingsgesprek|(promotion|termination|licenciement|ontslag) (of|des|van) (staff|employees|agents|medewerkers)|(monitor|surveill)\w* (of )?(staff|employees|workers|des agents|des salaries)",
    ),
    (
        "annexe_iii",
        "prestations_publiques",
        r"eligib|allocation|aide sociale|prestation sociale|\brsa\b|benefit|uitkering|toeslag|bijstand|subsid|welfare|logement social|bourse|claims?\b|rechthebbend|laag inkomen|armoede|entitle|droits? (a|aux) (l'|la |les )?(aides?|prestations?)|terugvorder|recouvrement (des|d'un) indu|creditworth|credit scor|solvabilit|kredietwaardig|life insurance|assurance vie|levensverzekering",
    ),
    (
        "annexe_iii",
        "appels_urgence",
        r"appels? d'urgence|\b112\b|emergency call|meldkamer|triage (des|of) (appels|calls)|dispatch|noodoproep|ambulance|hulpdiensten|services d'urgence|emergency (services|response)|urgences medicales",
    ),
    (
        "annexe_iii",
        "application_loi",
        r"police|handhaving|enforcement|fraud|fraude|opsporing|infraction|criminal|re-?offend|recidiv|offender|delinquan|risk of (becoming a )?victim|risque (de|d.etre) victime|slachtofferrisico|polygra|leugendetect",
    ),
    (
        "annexe_iii",
        "migration",
        r"\bvisa|asylum|asiel|immigration|verblijfsvergunning|titre de sejour|migra",
    ),
    (
        "annexe_iii",
        "elections",
        r"voting behaviou?r|comportement electoral|stemgedrag|(outcome|result) of (an |the )?elections?|resultat (d'une|des) elections?",
    ),
    (
        "profilage",
        "oui",
        r"profil|risicoprofiel|risk scor|score de risque|risicoscore|risk model|predict\w* (which|who)|fraud",
    ),
    (
        "transparence",
        "conversationnel",
        r"chatbot|callbot|voicebot|agent conversationnel|assistant (virtuel|conversationnel|vocal)|virtual assistant|chat\b|webchat|conversational|answer\w* (their |your )?(questions|queries)|beantwoord",
    ),
    (
        "transparence",
        "contenu_synthetique",
        r"generati|\bllm\b|gpt|large language model|ia generative|taalmodel|copilot|redaction|samenvat|summari|voice ?over|text[- ]to[- ]speech|gesproken taal|voorlees|synthetic",
    ),
]


@dataclass
class Suggestion:
    answers: dict
    reasons: dict = field(default_factory=dict)  # question -> [(option, matched words)]

    def explained(self) -> list[dict]:
        """Each cue found, as a person reads it: the answer suggested and the words behind it."""
        lines = []
        for qid, found in self.reasons.items():
            q = aiact.question(qid)
            labels = {o["id"]: o["label"] for o in q.get("options", [])}
            for option, words in found:
                if qid == "systeme_ia":
                    answer = "pas un système d'IA (règles fixes ou calcul)"
                elif qid == "profilage":
                    if not self.answers.get("annexe_iii"):
                        continue  # not asked on this path
                    answer = "profilage de personnes"
                else:
                    answer = labels.get(option, option)
                lines.append({"article": q["article"], "answer": answer, "words": words})
        return lines


def record_text(project) -> str:
    parts = [
        project.nom_projet,
        project.usage_description,
        project.nom_algorithme,
        project.algorithme_description,
        project.algorithme_operations,
        project.decision,
    ]
    return " ".join(part for part in parts if part)


def suggest_text(text: str, cues: list[tuple[str, str, str]] | None = None) -> Suggestion:
    """`cues`: another list of cues (the benchmark runs the frozen v1 list as its baseline)."""
    folded = _fold(text)
    found: dict[str, list[tuple[str, str]]] = {}
    for qid, option, pattern in CUES if cues is None else cues:
        match = re.search(pattern, folded)
        if match:
            found.setdefault(qid, []).append((option, match.group(0)))
    if "systeme_ia" in found:
        return Suggestion(answers={"systeme_ia": "non"}, reasons=found)
    answers: dict = {
        "systeme_ia": "oui",
        "exclusion": "non",
        "role": "deployeur",
        "devient_fournisseur": [],
    }
    for qid in ("pratiques_interdites", "annexe_iii", "transparence"):
        answers[qid] = [option for option, _w in found.get(qid, [])]
    answers["annexe_i"] = "non"
    if answers["annexe_iii"]:
        answers["profilage"] = "oui" if "profilage" in found else "non"
        if answers["profilage"] == "non":
            # Without a cue of profiling, the usual public-sector role is preparatory work that
            # an agent completes: a person must confirm whether the risk is significant.
            answers["derogation"] = ["preparatoire"]
            answers["risque_important"] = "oui"
    return Suggestion(answers=answers, reasons=found)


def suggest(project) -> Suggestion:
    return suggest_text(record_text(project))


def suggested_level(text: str, cues: list[tuple[str, str, str]] | None = None) -> str:
    return aiact.evaluate(suggest_text(text, cues).answers).level
