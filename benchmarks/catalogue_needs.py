"""Builds src/territoria/catalogue/data/needs.json: the labelled needs of the catalogue's evaluation.

Each need is a REAL text from a public register (the Bibliothèque d'IA territoriales, the Dutch
Algoritmeregister, the UK ATRS), quoted with its source and key, labelled by hand with the kind
of solution it calls for (`KINDS` below: which solutions of the demo catalogue a buyer would
shortlist). Half of the needs of each source, chosen by a hash of their key, are held out
(`split: "test"`): the guide's lexicon and weights were tuned on the "dev" half only.

    TERRITORIA_SHARED_DATA=../shared/data python -m benchmarks.catalogue_needs
"""

import csv
import hashlib
import json
import os
from pathlib import Path

from territoria.registre.vocabulary import SUB_THEMES

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "territoria" / "catalogue" / "data" / "needs.json"

KINDS = {
    "agent_assistant": [
        "Assistant IA de La Suite numérique",
        "Albert API",
        "Mistral 7B",
        "Nextcloud Assistant",
        "Le Chat",
        "Microsoft 365 Copilot",
        "Haystack",
    ],
    "citizen_chatbot": ["Rasa Open Source", "Albert API", "Haystack"],
    "document_qa": ["Haystack", "OpenSearch", "Albert API", "Assistant IA de La Suite numérique"],
    "transcription": [
        "Whisper",
        "whisper.cpp",
        "faster-whisper",
        "Vosk",
        "Kaldi",
        "Nextcloud Assistant",
    ],
    "voicebot": ["Vosk", "Kaldi", "Whisper", "faster-whisper", "Rasa Open Source"],
    "speech_synthesis": ["Piper", "Coqui TTS"],
    "translation": ["LibreTranslate", "Argos Translate", "OpenNMT", "DeepL"],
    "ocr": ["Tesseract OCR", "OCRmyPDF", "docTR", "PaddleOCR", "Docling"],
    "anonymisation": ["Presidio", "spaCy"],
    "text_classification": ["scikit-learn", "spaCy", "Albert API"],
    "forecasting": ["Prophet", "scikit-learn"],
    "image_detection": ["Ultralytics YOLO", "OpenCV"],
    "earth_observation": ["Orfeo ToolBox", "GRASS GIS", "QGIS"],
    "gis": ["QGIS", "GRASS GIS"],
    "water_network": ["WNTR", "scikit-learn"],
    "traffic": ["Eclipse SUMO", "Prophet", "scikit-learn"],
    "text_matching": ["spaCy", "OpenSearch", "Haystack"],
    "route_optimisation": ["OR-Tools"],
}

# Bibliothèque d'IA territoriales (data.csv): project name -> kind. Projects whose need no
# catalogue kind covers (a data platform, a training kit) are left out.
FR = {
    "Stacoptim": "forecasting",
    "ViPARE": "image_detection",
    "RECITAL": "forecasting",
    "IA Eco Pilot": "forecasting",
    "Urba(IA)": "gis",
    "Predict AI’r": "traffic",
    "PREVIZO": "forecasting",
    "PEP-BIOccIA": "earth_observation",
    "IA rbre": "earth_observation",
    "AMELIA": "traffic",
    "Mission 90+": "water_network",
    "IADATA lutte contre le gaspillage alimentaire": "forecasting",
    "IADATA catégorisation des délibérations ou des participations citoyennes": "text_classification",
    "IADATA, calcul des ilots de chaleur urbains": "forecasting",
    "IADATA, lutte contre les confits d'intérêts": "text_matching",
    "Expérimentation IA avec le relevé de dégradations pour la GMAO de voirie": "image_detection",
    "Expérimentation IA \npour la détection \ndes fuites d'eau ": "water_network",
    "Expérimentation\nassistance rédactionnelle": "agent_assistant",
    "Expérimentation d’une solution d’analyse et de gestion des routes par intelligence artificielle": "image_detection",
    "PRECI : prévention automatisée des conflits d'intérêt": "text_matching",
}
NL = {
    "11642321": "voicebot",
    "11926740": "citizen_chatbot",
    "11953829": "anonymisation",
    "12816718": "anonymisation",
    "13672951": "anonymisation",
    "13752398": "transcription",
    "14691964": "speech_synthesis",
    "15822781": "transcription",
    "15943226": "citizen_chatbot",
    "16796775": "anonymisation",
    "18265620": "citizen_chatbot",
    "21714421": "agent_assistant",
    "23189993": "agent_assistant",
    "23372779": "translation",
    "23596795": "agent_assistant",
    "23657322": "document_qa",
    "24779278": "agent_assistant",
    "13669212": "forecasting",
    "16877388": "anonymisation",
    "19441216": "forecasting",
    "22733216": "image_detection",
}
UK = {
    "hmrc-ask-hmrc-online": "citizen_chatbot",
    "dvla-contact-centre-chatbot-service": "citizen_chatbot",
    "lgsco-lgsco-chatbot": "citizen_chatbot",
    "survey-summarisation-tool": "agent_assistant",
    "organisational-listening-tool": "text_classification",
    "moj-ndelius-contact-log-semantic-search": "document_qa",
    "dwp-conversational-platform": "voicebot",
    "dsit-redbox": "agent_assistant",
    "fcdo-correspondence-triage": "text_classification",
    "natural-england-ai4peat": "earth_observation",
    "natural-england-living-england": "earth_observation",
    "barnet-council-ami-chatbot": "citizen_chatbot",
    "dwp-cmg-return-letters-processing": "ocr",
    "hmt-correspondence-triage-automation-tool": "text_classification",
    "leeds-city-council-money-information-centre-chatbot": "citizen_chatbot",
    "hmt-hermes-hmts-excerpt-retrieval-messaging-system": "document_qa",
    "dfe-student-loans-forecast-modelling-pipeline": "forecasting",
    "ealing-council-adult-social-care-annual-financial-expenditure-forecasting": "forecasting",
    "greater-cambridge-partnership-smart-pedestrian-crossing-trial": "image_detection",
    "welsh-government-mapping-ancient-woodland-image-segmentation": "earth_observation",
    "dbt-business-growth-service-ai-summariser": "agent_assistant",
    "network-rail-digital-assistant": "citizen_chatbot",
}


def split(source: str, key: str) -> str:
    digest = hashlib.sha256(f"{source}:{key}".encode()).digest()
    return "test" if digest[0] % 2 else "dev"


def main() -> None:
    data = Path(
        os.environ.get("TERRITORIA_SHARED_DATA")
        or Path(__file__).resolve().parents[2] / "shared" / "data"
    )
    needs = []
    with (data / "bibliotheque-ia" / "data.csv").open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            kind = FR.get(row["Nom_du_projet"])
            if kind:
                domains = SUB_THEMES.codes_for(row["Sous_Theme"])
                needs.append(
                    {
                        "source": "bibliotheque-ia/data.csv",
                        "key": row["Nom_du_projet"],
                        "url": row["URL_Service"],
                        "text": row["Description_service"],
                        "domain": domains[0] if domains else "",
                        "kind": kind,
                    }
                )
    nl = json.loads((data / "registers" / "nl-algoritmeregister.json").read_text(encoding="utf-8"))
    for record in nl["algoritmes"]:
        if record["id"] in NL:
            needs.append(
                {
                    "source": "registers/nl-algoritmeregister.json",
                    "key": record["id"],
                    "url": record["url"],
                    "text": f"{record['title']}. {record['doel']}",
                    "domain": "",
                    "kind": NL[record["id"]],
                }
            )
    uk = json.loads((data / "registers" / "uk-atrs.json").read_text(encoding="utf-8"))
    for record in uk["records"]:
        slug = record["url"].rsplit("/", 1)[-1]
        key = next((k for k in UK if slug.startswith(k[:55])), None)
        if key:
            needs.append(
                {
                    "source": "registers/uk-atrs.json",
                    "key": slug,
                    "url": record["url"],
                    "text": f"{record['tool_name']}. {record.get('description') or ''}",
                    "domain": "",
                    "kind": UK[key],
                }
            )
    for need in needs:
        need["relevant"] = KINDS[need["kind"]]
        need["split"] = split(need["source"], need["key"])
    found = {n["key"] for n in needs}
    missing = [k for k in [*FR, *NL] if k not in found]
    assert not missing, f"keys not found in the data: {missing}"
    OUT.write_text(
        json.dumps({"kinds": KINDS, "needs": needs}, ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )
    print(f"{len(needs)} needs → {OUT} ({sum(n['split'] == 'test' for n in needs)} held out)")


if __name__ == "__main__":
    main()
