"""Suggested answers to the AI-Act questionnaire, read from a record's fields (never final).

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


def suggest_text(text: str, cues: list[tuple[str, str, str]] | None = None) -> Suggestion:
    """The v2 engine: one list of cues over one text. `cues`: another list (the benchmark runs
    the frozen v1 and v2 lists as its baselines); the pages use v3 (`suggest_fields`)."""
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
    return suggest_fields(project_fields(project))


def suggested_level(text: str, cues: list[tuple[str, str, str]] | None = None) -> str:
    """The level suggested for a text: by v3 (the text as the record's description), or by an
    older list of cues read with the v2 engine (`suggest_text`) when `cues` is given."""
    if cues is None:
        return suggested_level_fields({"description": text})
    return aiact.evaluate(suggest_text(text, cues).answers).level


def suggested_level_fields(fields: dict, patterns: dict | None = None) -> str:
    return aiact.evaluate(suggest_fields(fields, patterns).answers).level


# --- Version 3: staged reading of the record's fields (December 2026) -------------------------
#
# v2 turned every Annex III word into « haut risque ». v3 follows the regulation's own order:
#   1. Art. 3(1): fixed rules, calculations and data matching, with no word of learning or
#      inference, are not an AI system.
#   2. Art. 5: the prohibited practices (v2's cues).
#   3. Annex III: an area is found in the title and description; the record's other fields
#      (organisation, legal basis, theme, audience) only support an area read in the text.
#      Areas about deciding on persons (education, employment, benefits, law enforcement,
#      migration, elections) also need words of an assessment of persons; biometrics,
#      critical infrastructure and emergency calls do not. A 1:1 check of a face against an
#      identity document is verification, which Annex III 1(a) excludes.
#   4. Art. 6(3): a narrow procedural task (anonymising, searching, transcribing, sorting mail)
#      or an area word without any assessment of persons is suggested as the derogation;
#      profiling of persons always keeps the system high-risk.
#   5. Art. 50: conversation with people, generated text or speech.
# v3 was written looking only at the errors of `dev` and `test` (104 records) and measured on
# `fresh2` (labelled before v3 was written). v4 (same engine, patterns corrected) was written
# looking at the errors of dev, test, fresh and fresh2: "politie" as a whole word; poverty
# words and subsidies to businesses are not a person's benefit, Universal Credit is; "drempel"
# (mostly "lage drempel") is not a threshold rule; completing a file or a report with known
# data is data matching; a summary is generated content when an AI writes it; asking an app
# questions is a conversation. Measured on `fresh3` (labelled before v4 was written).

V3 = "v3"

# Said outright: fixed rules, a calculator, an awareness kit. Only a strong word of learning
# (machine learning, a language model, a prediction…) outweighs them.
RULES_STRONG = (
    r"calculator|rekenregel|rekenmodule|rule[- ]based|\brules?[- ]engine|regel ?gebaseerd|"
    r"pre-determined rules|rules applied|assessment rules|decision rules|beslisboom|"
    r"decision trees?|businesslogica|business ?logic|robotic process|\brpa\b|"
    r"kit ouvert|experience apprenante|acculturation"
)
# Hints of fixed processing: they decide only when no word of learning or modelling is there.
RULES_WEAK = (
    r"calculat|\bbereken|\brules?\b|\bregels\b|threshold|(gegevens|dossiers?|registratie|melding)\w* (aan ?te ?vullen|aanvullen|aangevuld)|"
    r"aanvullen (van )?(de )?(dossiers?|gegevens|melding)|vult de (melding|gegevens) aan|"
    r"controleert (verschillende "
    r"|de )?gegevens|gegevensuitwisseling|uitwisseling van gegevens|wisselt\b.{0,60}\bgegevens "
    r"uit|informatiedeling|data (sharing|exchange|linkage)|koppel(t|ing|en)\b|echange de "
    r"donnees|legesverordening|\bleges\b|tarieven|automatisch (verhuizen|toegekend|verwerkt)|"
    r"zonder tussenkomst van een medewerker|formul[ae]\b|simulation|indicatoren|indicators"
)
LEARNING_STRONG = (
    r"machine learning|apprentissage (automatique|profond)|deep learning|neur(al|onal|aal)|"
    r"\bllm|language model|taalmodel|\bgpt|generative|generatie|predict|voorspel|zelflerend|"
    r"self-learning|natural language|\bnlp\b|computer vision|image recognition|"
    r"beeldherkenning|chatbot|callbot|facial|gezichts"
)
LEARNING = (
    LEARNING_STRONG + r"|kunstmatige intelligentie|artificial intelligence|intelligence "
    r"artificielle|\bai\b|\bia\b|generati|predi[cs]|classif|cluster|face\b|probabilist|"
    r"waarschijnlijk|\bkans\b|model|score\b|scoring|getraind|trained|detect|herken|"
    r"reconnaissance|analyse d'images"
)
PERSONS_AREAS = {  # areas whose words alone do not say that persons are assessed
    "education_acces",
    "emploi_recrutement",
    "prestations_publiques",
    "application_loi",
    "migration",
    "elections",
}
AREAS_V3: list[tuple[str, str]] = [
    (
        "biometrie_identification",
        (
            r"reconnaissance faciale|facial recognition|gezichtsherkenning|biometri|"
            r"identification des personnes|fingerprint|empreintes? digitales?|vingerafdruk|"
            r"speaker (identification|verification)"
        ),
    ),
    ("biometrie_emotions", r"reconnaissance des emotions|emotion recognition|emotieherkenning"),
    (
        "infrastructure_critique",
        (
            r"feux? (tricolores?|de signalisation)|traffic (light|signal)|verkeerslicht|verkeersregel|"
            r"pilotage (du reseau|des vannes)|controle[- ]commande|scada"
        ),
    ),
    (
        "education_acces",
        (
            r"affectation des eleves|admission|toelating|school place|school admission|"
            r"(pupils?|students?|leerlingen|eleves)\b.{0,60}\b(placement|allocat|toewijz)"
        ),
    ),
    (
        "education_evaluation",
        (
            r"evaluation des (eleves|acquis)|proctoring|surveillance des examens|\bexams?\b|"
            r"(grading|marking|beoordel\w*) (of )?(pupils|students|leerlingen)"
        ),
    ),
    (
        "emploi_recrutement",
        (
            r"recrutement|recruit|candidat|kandidat|curriculum|\bcv\b|werving|sollicit|vacature|"
            r"job applica"
        ),
    ),
    (
        "emploi_gestion",
        (
            r"evaluation des agents|performance des agents|employee performance|"
            r"personeelsbeoordeling|performance (review|appraisal)|entretien professionnel|"
            r"beoordelingsgesprek|(promotion|termination|licenciement|ontslag) (of|des|van) "
            r"(staff|employees|agents|medewerkers)|(monitor|surveill)\w* (of )?(staff|employees|"
            r"workers|des agents|des salaries)|(staff|employee|personeel)\w* (expenses?|claims?)|"
            r"(expense|expenses) (and|or)? ?\w* ?claims|quality of\b.{0,40}\b(case notes|work)"
        ),
    ),
    (
        "prestations_publiques",
        (
            r"eligib|allocation (de|d'|des|aux)|aide sociale|prestation sociale|\brsa\b|benefit|"
            r"allowance|uitkering|toeslag|bijstand|welfare|logement social|social housing|"
            r"council housing|\btenan(ts?|cy|cies)\b|huurder|\bbourses?\b|claimants?|rechthebbend|universal credit|"
            r"schuld(en|hulp|problem)|payment breakdown|betalingsachterstand|arrears|entitle|"
            r"droits? (a|aux) (l'|la |les )?(aides?|prestations?)|terugvorder|recouvrement (des|d'un) "
            r"indu|creditworth|credit scor|solvabilit|kredietwaardig|life insurance|assurance vie|"
            r"levensverzekering|social care|zorgtoewijzing|wmo\b|jeugdhulp|participatiewet|"
            r"child maintenance|personal budget"
        ),
    ),
    (
        "appels_urgence",
        (
            r"appels? d'urgence|\b112\b|emergency call|meldkamer|triage (des|of) (appels|calls)|"
            r"dispatch|noodoproep|ambulance|hulpdiensten|services d'urgence|emergency (services|"
            r"response)|urgences medicales"
        ),
    ),
    (
        "application_loi",
        (
            r"\bpolice\b|\bpolitie\b|handhaving|enforcement|opsporing|infraction|criminal|re-?offend|recidiv|"
            r"offenders?|delinquan|probation|reclassering|pre-sentence|sentenc|prison|gevangen|"
            r"risk of (becoming a )?victim|risque (de|d.etre) victime|slachtofferrisico|polygra|"
            r"leugendetect"
        ),
    ),
    (
        "migration",
        r"\bvisa|asylum|asiel|immigration|verblijfsvergunning|titre de sejour|migra",
    ),
    (
        "elections",
        (
            r"voting behaviou?r|comportement electoral|stemgedrag|(outcome|result) of (an |the )?"
            r"elections?|resultat (d'une|des) elections?"
        ),
    ),
]
# The record's other fields: they only support an area already read in the text.
CONTEXT_AREAS: list[tuple[str, str]] = [
    (
        "prestations_publiques",
        (
            r"\bdwp\b|work and pensions|\buwv\b|\bsvb\b|sociale dienst|werk en inkomen|sociaal domein|"
            r"\bcaf\b|\bccas\b|solidarit|beneficiaire|participatiewet|bijstand|social care"
        ),
    ),
    (
        "application_loi",
        (
            r"\bpolice\b|\bpolitie\b|probation|reclassering|hmpps|prison|justitie|ministry of justice|"
            r"openbaar ministerie"
        ),
    ),
    ("migration", r"home office|\bind\b|immigratie|naturalisatie|border"),
]
ASSESSES_PERSONS = (
    r"applicants?\b|aanvrager|demandeurs?\b|eligib|entitle|recht op|toeken|toegekend|assess|beoordel|determin|bepal|select|prioriti|"
    r"\brisk|risico|risque|score|predict|voorspel|predi[cs]|profil|\brank|match|screen|"
    r"detect\w* (fraud|fraude)|fraud|fraude|vulnerab|kwetsba|signal|identif\w* (individuals|"
    r"people|persons|young|those)|decid|decision|besluit|beslis|grant|reduce|revoke|reclaim|"
    r"intervention|compliance|toezicht|controle (op|van) (inwoners|burgers|aanvragers)|"
    r"monitor|evaluat|quality of|kwaliteit van"
)
PROFILING_V3 = (
    r"profil|risicoprofiel|risk scor|score de risque|risicoscore|risk model|risicomodel|"
    r"predict\w* (which|who|whether|the (risk|likelihood))|voorspel\w* (welke|wie|of)|"
    r"risk of (re-?offend|becoming|harm|violence|non-?payment|breakdown|falling)|"
    r"risque (de|d')|risicogroep|\bkans op\b|likelihood|propensity|predictive analytics|"
    r"based on (their )?risk|risk and need"
)
PROCEDURAL = (
    r"anonymi|pseudonymi|\bredact|\blakken\b|maskeren|\bsearch|zoek(en|functie)|transcri|"
    r"translat|vertaal|traduction|\bocr\b|spelling|duplicate|dubbel|"
    r"(sort|categori[sz]|classif)\w* (incoming )?(mail|e-?mails?|correspondence|post|courrier|"
    r"documents?|letters?)|triage (of|des) (mail|courrier|correspondence)|"
    r"(letters?|courrier|post)\b.{0,40}\baddress|adresse postale"
)
VERIFICATION_1TO1 = (
    r"gezichtsvergelijk|face (verification|comparison|match)|liveness|likeness|"
    r"identiteitsvaststelling|identity (check|verification)|verification d'identite|"
    r"(vergelijk|compar)\w*\b.{0,80}\b(identiteitsdocument|identity document|passport|paspoort|"
    r"piece d'identite)"
)
CONVERSATION_V3 = (
    r"chatbot|callbot|voicebot|agent conversationnel|assistant (virtuel|conversationnel|vocal)|"
    r"virtual assistant|webchat|\bchat\b|conversational|natural language ivr|"
    r"(communicate|consult|talk|praat|dialogu)\w* (with|met|avec) (citizens|callers|residents|"
    r"inwoners|burgers|les usagers|les habitants)|answer\w* (their |your )?(questions|queries)|"
    r"beantwoord\w* (vragen|van vragen)|repond\w* aux questions|vragen (kunnen )?stellen|"
    r"poser (des|vos|ses) questions|ask (their |your )?questions"
)
GENERATED_V3 = (
    r"generati(ve|f|ve ai)|ia generative|genai|\bllm|\bgpt|large language model|taalmodel|"
    r"copilot|writing assistant|schrijf(hulp|assistent)|\bdraft(s|ing)?\b|conceptbrie|"
    r"suggest\w* wording|(create|genereer|produce)\w* .{0,40}(resources|content|texts?|"
    r"teksten|reports?)|teksten (te )?(maken|schrijven)|"
    r"(\bai\b|\bia\b|\bllm|taalmodel|language model|genai)[^.]{0,60}(summari|samenvat|resum)|"
    r"(summari|samenvat)[^.]{0,60}(\bai\b|\bllm|taalmodel|language model)|synthese vocale|"
    r"voice ?over|text[- ]to[- ]speech|voorlees|readspeaker|spraaksynthese|synthetic|"
    r"aide a la redaction|redaction (de|des|d'|automatique|assistee|administrative)|"
    r"redactionnel|case notes|meeting notes|"
    r"verslag(en|legging)"
)
LEARNING_TYPES = {"machine_learning", "tal", "ia_generative", "computer_vision", "reseaux_neurones"}


PATTERNS: dict = {
    "PROHIBITED": [cue for cue in CUES if cue[0] == "pratiques_interdites"],
    "RULES_STRONG": RULES_STRONG,
    "RULES_WEAK": RULES_WEAK,
    "LEARNING_STRONG": LEARNING_STRONG,
    "LEARNING": LEARNING,
    "PERSONS_AREAS": sorted(PERSONS_AREAS),
    "AREAS_V3": AREAS_V3,
    "CONTEXT_AREAS": CONTEXT_AREAS,
    "ASSESSES_PERSONS": ASSESSES_PERSONS,
    "PROFILING_V3": PROFILING_V3,
    "PROCEDURAL": PROCEDURAL,
    "VERIFICATION_1TO1": VERIFICATION_1TO1,
    "CONVERSATION_V3": CONVERSATION_V3,
    "GENERATED_V3": GENERATED_V3,
}


def _first(pattern: str, text: str) -> str | None:
    match = re.search(pattern, text)
    return match.group(0) if match else None


def suggest_fields(fields: dict, patterns: dict | None = None) -> Suggestion:
    """v3: `fields` holds "title", "description" and, where known, "organisation",
    "legal_basis", "theme" (theme, sub-themes, audiences), "algorithm_type" (the register's
    type_algorithme code) and "impact_assessment" ("oui", "non" or ""). `patterns`: another
    set of patterns (the benchmark runs the frozen v3 set as a baseline); default: PATTERNS."""
    pat = PATTERNS if patterns is None else patterns
    main = _fold(" ".join(fields.get(k) or "" for k in ("title", "description")))
    context = _fold(" ".join(fields.get(k) or "" for k in ("organisation", "legal_basis", "theme")))
    found: dict[str, list[tuple[str, str]]] = {}

    def note(qid: str, option: str, words: str) -> None:
        found.setdefault(qid, []).append((option, words))

    for qid, option, pattern in pat["PROHIBITED"]:  # v2's cues
        if qid == "pratiques_interdites" and (words := _first(pattern, main)):
            note(qid, option, words)
    learning_type = fields.get("algorithm_type") in LEARNING_TYPES
    strong = _first(pat["RULES_STRONG"], main)
    weak = _first(pat["RULES_WEAK"], main)
    if strong and not (_first(pat["LEARNING_STRONG"], main) or learning_type):
        rules_only = strong
    elif weak and not (_first(pat["LEARNING"], main) or learning_type):
        rules_only = weak
    else:
        rules_only = None
    if rules_only and "pratiques_interdites" not in found:
        note("systeme_ia", "non", rules_only)
        return Suggestion(answers={"systeme_ia": "non"}, reasons=found)

    verification = _first(pat["VERIFICATION_1TO1"], main)
    assesses = _first(pat["ASSESSES_PERSONS"], main)
    if not assesses and fields.get("impact_assessment") == "oui":
        assesses = "analyse d'impact réalisée"
    areas: list[str] = []
    unassessed: list[str] = []  # an area word with no assessment of persons in the text
    for option, pattern in pat["AREAS_V3"]:
        words = _first(pattern, main)
        if not words:
            continue
        if option == "biometrie_identification" and verification:
            continue  # 1:1 verification is excluded from Annex III 1(a)
        (unassessed if option in pat["PERSONS_AREAS"] and not assesses else areas).append(option)
        note("annexe_iii", option, words)
    if assesses and _first(pat["PROFILING_V3"], main):
        # The organisation or legal basis names an area, and the text profiles persons.
        for option, pattern in pat["CONTEXT_AREAS"]:
            if option not in areas and (words := _first(pattern, context)):
                areas.append(option)
                note("annexe_iii", option, f"{words} (organisation ou base légale)")
    for option, pattern in (
        ("conversationnel", pat["CONVERSATION_V3"]),
        ("contenu_synthetique", pat["GENERATED_V3"]),
    ):
        if words := _first(pattern, main):
            note("transparence", option, words)
    if fields.get("algorithm_type") == "ia_generative" and not any(
        o == "contenu_synthetique" for o, _ in found.get("transparence", [])
    ):
        note("transparence", "contenu_synthetique", "type d'algorithme : IA générative")

    answers: dict = {
        "systeme_ia": "oui",
        "exclusion": "non",
        "role": "deployeur",
        "devient_fournisseur": [],
        "pratiques_interdites": [o for o, _ in found.get("pratiques_interdites", [])],
        "annexe_i": "non",
        "annexe_iii": areas,
        "transparence": [o for o, _ in found.get("transparence", [])],
    }
    if unassessed and not areas:
        # Only the area's words, no assessment of persons: suggested as preparatory work (Art.
        # 6(3)(d)) that a person must confirm.
        answers["annexe_iii"] = unassessed
        answers["profilage"] = "non"
        answers["derogation"] = ["preparatoire"]
        answers["risque_important"] = "non"
        note("derogation", "preparatoire", "aucun mot d'évaluation de personnes")
    elif areas:
        answers["annexe_iii"] = areas + unassessed
        profiling = _first(pat["PROFILING_V3"], main)
        procedural = _first(pat["PROCEDURAL"], main)
        if profiling:
            answers["profilage"] = "oui"
            note("profilage", "oui", profiling)
        else:
            answers["profilage"] = "non"
            if procedural:
                answers["derogation"] = ["tache_procedurale"]
                answers["risque_important"] = "non"
                note("derogation", "tache_procedurale", procedural)
            else:
                answers["derogation"] = []
    return Suggestion(answers=answers, reasons=found)


def project_fields(project) -> dict:
    """The fields of a register record that v3 reads."""
    crpa = getattr(project, "crpa_notice", None) if project.pk else None
    organisation = getattr(project, "organisation", None)
    return {
        "title": project.nom_projet,
        "description": " ".join(
            part
            for part in (
                project.usage_description,
                project.nom_algorithme,
                project.algorithme_description,
                project.algorithme_operations,
                project.decision,
            )
            if part
        ),
        "organisation": str(organisation) if organisation else "",
        "legal_basis": crpa.legal_basis if crpa else "",
        "theme": " ".join(
            [project.get_theme_display() if project.theme else ""]
            + [str(s) for s in project.sous_themes or []]
            + [str(a) for a in project.audiences or []]
        ),
        "algorithm_type": project.type_algorithme or "",
        "impact_assessment": "",
    }
