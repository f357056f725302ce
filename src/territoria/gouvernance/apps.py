from django.apps import AppConfig

from territoria.core.modules import (
    HomeSection,
    NavEntry,
    PublishedDataset,
    RecordPanel,
    SelfDescription,
    UrlModule,
)

# Capabilities (core/roles.py) this app grants; their meaning is in gouvernance/permissions.py.
ASSESS = "gouvernance.assess"  # fill the classification, trust, frugality and CRPA of own records
REVIEW = "gouvernance.review"  # validate a proposed classification (a second pair of eyes)
COMMITTEE = "gouvernance.committee"  # record committee opinions, charters and gate criteria
ANSWER = "gouvernance.answer"  # moderate and answer citizens' messages on own records


class GouvernanceConfig(AppConfig):
    name = "territoria.gouvernance"
    label = "gouvernance"
    verbose_name = "Gouvernance des systèmes d'IA"
    default_auto_field = "django.db.models.BigAutoField"

    navigation = [NavEntry("Gouvernance", "gouvernance:index", order=30)]
    home_sections = [
        HomeSection(
            "gouvernance/_home_section.html",
            context="territoria.gouvernance.views.pages.home_context",
            order=30,
        )
    ]
    record_panels = [
        RecordPanel(
            "gouvernance/_record_panel.html",
            context="territoria.gouvernance.panels.record_panel",
            order=20,
        )
    ]
    urls = [
        UrlModule("territoria.gouvernance.urls")
    ]  # paths carry "gouvernance/" and "api/gouvernance/"
    capabilities = {
        "agent": frozenset({ASSESS, ANSWER}),
        "elu": frozenset({COMMITTEE}),
        "moderateur": frozenset({ASSESS, REVIEW, COMMITTEE, ANSWER}),
        "administrateur": frozenset({ASSESS, REVIEW, COMMITTEE, ANSWER}),
    }
    # Scopes of API tokens (core/tokens.py).
    api_scopes = {
        "gouvernance:read": "Lire la gouvernance des projets (parties restreintes selon vos droits)",
        "gouvernance:write": "Classer et évaluer les projets de votre organisation",
    }
    datasets = [
        PublishedDataset(
            key="gouvernance-ia",
            slug="gouvernance-des-systemes-d-ia",
            title="Gouvernance des systèmes d'IA des collectivités",
            description=(
                "Pour chaque projet publié du registre : niveau de risque au sens du règlement "
                "européen sur l'IA (classification validée), taux d'auto-évaluation selon les "
                "7 exigences d'une IA digne de confiance, frugalité et avis des comités."
            ),
            writer="territoria.gouvernance.exports.write_public_csv",
            watch=(
                "gouvernance.Classification",
                "gouvernance.TrustAssessment",
                "gouvernance.FrugalityAssessment",
                "gouvernance.CommitteeOpinion",
            ),
            resource_slug="gouvernance",
            resource_title="Gouvernance par projet",
            table_name="gouvernance_ia",
            keywords=("intelligence artificielle", "AI Act", "éthique", "frugalité"),
        )
    ]
    leak_canaries = "territoria.gouvernance.canaries.plant"
    register_entry = SelfDescription(
        "Gouvernance des systèmes d’IA",
        purpose=(
            "Aider une collectivité à décider si et comment un système d'IA peut être utilisé "
            "(classification AI Act, 7 exigences d'une IA de confiance, frugalité, transparence "
            "CRPA, avis des comités) et le montrer aux citoyens."
        ),
        data="Les fiches du registre et les réponses des agents aux questionnaires ; commentaires citoyens modérés.",
        algorithm=(
            "Arbre de décision déclaratif (rules/aiact.yaml) appliquant les articles 3, 5, 6, 25, 50 "
            "du règlement (UE) 2024/1689 ; suggestion de réponses par mots-clés sur le texte de la fiche, "
            "toujours confirmée par une personne ; formule de Green Algorithms pour l'énergie."
        ),
        performance=(
            "Suggestion de niveau (version 4) à partir du texte d'une fiche, sur 110 fiches "
            "réelles réservées (fresh3 et fresh4 : registres britannique et néerlandais), "
            "étiquetées avant que cette version y soit lancée : accord 0,664, kappa 0,52, "
            "contre 0,409 pour la classe majoritaire ; haut risque : rappel 0,40 (4 sur 10), "
            "précision 0,20 (4 sur 20). Le haut risque suggéré est peu fiable : chaque réponse "
            "est confirmée par une personne."
        ),
        energy=(
            "Calcul de règles en mémoire : environ 0,1 ms de processeur par classification, soit "
            "de l'ordre de 10⁻⁶ Wh ; chiffres du tableau de bord sur 500 fiches en 0,06 s."
        ),
        measured_by=(
            "territoria gouvernance eval --split fresh3+fresh4 --shared-data <données partagées> ; "
            "python -m benchmarks gouvernance (benchmarks/results/gouvernance.json)"
        ),
        url_name="gouvernance:index",
    )
