"""The observatory of access to culture (issue 17): declared through the module contract."""

from django.apps import AppConfig

from territoria.core.modules import (
    HomeSection,
    NavEntry,
    PublishedDataset,
    SelfDescription,
    UrlModule,
)

EDIT = "culture.edit"  # import data, declare and publish evaluations, publish observatories
# Observatories and evaluations not yet published are internal to the collectivités: read by
# every member of a public body (agents, élus…), the platform's own capability for that.
READ_DRAFTS = "core.internal_reader"


class CultureConfig(AppConfig):
    name = "territoria.culture"
    label = "culture"
    verbose_name = "Observatoire de l'accès à la culture"
    default_auto_field = "django.db.models.BigAutoField"

    navigation = [NavEntry("Culture", "culture:index", order=60)]
    home_sections = [
        HomeSection(
            "culture/_home_section.html", context="territoria.culture.views.home_context", order=60
        )
    ]
    urls = [UrlModule("territoria.culture.urls", prefix="culture/")]
    datasets = [
        PublishedDataset(
            key="culture-acces-communes",
            slug="acces-aux-musees-par-commune",
            title="Accès aux musées par commune (observatoires publiés)",
            description=(
                "Pour chaque commune des observatoires de l'accès à la culture publiés : distance "
                "au musée le plus proche (à vol d'oiseau), distance routière et temps estimés, "
                "musées à moins de 15 km, offre pour 100 000 habitants, indice d'accès et ses poids."
            ),
            writer="territoria.culture.opendata.write_access_csv",
            watch=("culture.Observatory",),
            table_name="culture_acces_communes",
            keywords=("culture", "musées", "accessibilité", "observatoire"),
            theme="EDUC",
        ),
        PublishedDataset(
            key="culture-iris-distances",
            slug="distance-aux-lieux-culturels-par-iris",
            title="Distance au lieu culturel le plus proche, par IRIS (observatoires publiés)",
            description=(
                "Pour chaque IRIS importé par la collectivité dans un observatoire publié, et "
                "chaque type de lieu (musée, bibliothèque, cinéma…) : distance à vol d'oiseau "
                "depuis le centre de l'IRIS jusqu'au lieu le plus proche, distance routière et "
                "temps en voiture ESTIMÉS (× 1,3, 50 km/h) ; distance et temps par la route "
                "quand la collectivité a importé un réseau routier OpenStreetMap (trajet le "
                "plus rapide aux vitesses limites, sans embouteillage) ; aucun horaire de "
                "transport en commun."
            ),
            writer="territoria.culture.opendata.write_iris_csv",
            watch=("culture.Observatory", "culture.CultureJob"),  # imports run as jobs
            table_name="culture_iris_distances",
            keywords=("culture", "IRIS", "accessibilité", "observatoire"),
            theme="EDUC",
        ),
        PublishedDataset(
            key="culture-iris-indice",
            slug="indice-acces-aux-musees-par-iris",
            title="Indice d'accès aux musées par IRIS (observatoires publiés)",
            description=(
                "Pour chaque IRIS importé par la collectivité dans un observatoire publié : "
                "l'indice composite d'accès aux musées calculé comme pour les communes (moyenne "
                "pondérée de rangs parmi les IRIS du territoire : proximité, offre du bassin de "
                "15 km par habitant, dynamique de fréquentation), ses trois composantes, son rang, "
                "les poids enregistrés par l'observatoire et la priorité d'accès (quart le plus "
                "faible de l'indice, sans indicateur social). Distances à vol d'oiseau."
            ),
            writer="territoria.culture.opendata.write_iris_index_csv",
            watch=("culture.Observatory", "culture.CultureJob"),
            table_name="culture_iris_indice",
            keywords=("culture", "IRIS", "accessibilité", "indice", "observatoire"),
            theme="EDUC",
        ),
        PublishedDataset(
            key="culture-frequentation-signalements",
            slug="frequentation-des-musees-avec-signalements",
            title="Fréquentation des musées de France, avec signalements de qualité",
            description=(
                "Le fichier national de fréquentation des musées de France (Ministère de la "
                "Culture, Licence Ouverte) tel qu'importé, ligne à ligne, avec les signalements "
                "calculés : fermetures, lacunes, variations invraisemblables, doublons, musées "
                "renommés, rapprochement avec Muséofile."
            ),
            writer="territoria.culture.opendata.write_attendance_csv",
            watch=("culture.CultureJob",),
            table_name="culture_frequentation",
            keywords=("culture", "musées", "fréquentation"),
            theme="EDUC",
        ),
    ]
    register_entry = SelfDescription(
        "Observatoire de l'accès à la culture",
        purpose=(
            "Montrer quelles communes sont loin de l'offre culturelle (musées d'abord), "
            "repérer les zones prioritaires (accès faible × indicateur social défavorable) "
            "et évaluer l'effet d'une action culturelle (gratuité, médiation, festival) sur la "
            "fréquentation, avec ses limites."
        ),
        data=(
            "Fréquentation des musées de France 2001–2018 et base Muséofile (Ministère de la "
            "Culture, Licence Ouverte) ; contours des communes (IGN Admin Express 2018) ; "
            "population légale et intercommunalités (paquet @etalab/decoupage-administratif) ; "
            "contours IRIS et indicateurs sociaux importés par la collectivité (aucun contour "
            "IRIS n'est fourni par la plateforme). Aucune donnée personnelle."
        ),
        algorithm=(
            "Distances orthodromiques commune → musée (vectorisées) ; indice d'accès = moyenne "
            "pondérée (poids visibles et modifiables) de rangs centiles : proximité, offre du "
            "bassin de 15 km par habitant, dynamique de fréquentation. Évaluation d'impact : "
            "différence de différences (effets fixes musée et année) avec inférence placebo "
            "(Conley–Taber), étude d'événement pour les tendances parallèles, contrôle "
            "synthétique (donné seulement avec au moins 10 musées donneurs et quand au moins "
            "10 % des synthèses placebo s'ajustent moins bien avant l'action). Enquêtes : réponses libres rangées dans les thèmes d'une grille écrite "
            "par la collectivité (proximité des plongements multilingual-e5-small hors ligne "
            "avec les phrases de chaque thème, plus les mots partagés), ton de chaque réponse "
            "(phrases modèles), classe « hors grille » sous un seuil de proximité, "
            "regroupements automatiques (k-moyennes) en complément ; avant/après d'une action "
            "sur une part d'accord (différence de différences de proportions, communes de "
            "l'action contre les autres) ; corrélation de rang entre communes. Distance de "
            "chaque IRIS au lieu le plus proche de chaque type (à vol d'oiseau ; temps estimés "
            "× 1,3 à 50 km/h, ou, sur un réseau routier OpenStreetMap importé, trajet le plus "
            "rapide par l'algorithme de Dijkstra aux vitesses limites ; sur des horaires GTFS "
            "importés, arrivée au plus tôt en transports en commun par balayage des connexions, "
            "départ à 10 h un mardi de référence). Pas de profilage individuel : aucun champ "
            "personnel, groupes de moins de 5 réponses masqués, avec un masquage secondaire "
            "pour qu'aucun ne se déduise du total par soustraction."
        ),
        performance=(
            "Mesuré par `python -m benchmarks.culture` (benchmarks/results/culture.json, "
            "docs/culture.md) : couverture des intervalles à 95 % sur 2 000 panels simulés à "
            "effet connu 0,941 (intervalle « cluster » classique : 0,82 ; avant/après naïf : "
            "biais + 0,16) ; sur 1 000 tirages de vraies séries 0,954, et 5,3 % de faux "
            "positifs sans effet ; accès des 711 communes de Seine-Maritime × 1 227 musées "
            "en 0,10 s (boucle de référence : 2,9 s) ; totaux annuels et départementaux du "
            "fichier national reproduits sans écart ; 92,5 % des séries rapprochées de Muséofile. "
            "Enquêtes (python -m benchmarks culture_survey, 165 réponses écrites et étiquetées "
            "par une IA, pas de vrais répondants, non vues pendant la mise au point) : 57 % rangées dans le bon des 9 thèmes de la "
            "grille des freins (mots seuls : 46 %), ton juste à 73 % (F1 macro 0,70 ; toujours "
            "« neutre » : 0,27) ; les k-moyennes sans grille ne retrouvent pas les thèmes "
            "(indice de Rand ajusté 0,01) ; « hors grille » (python -m benchmarks "
            "culture_offgrid, un thème retiré à la fois) : 21 % des réponses hors grille "
            "reconnues, 11 % des autres écartées à tort (rejet au hasard : 12 % / 12 %). "
            "Avant/après sur enquête (python -m benchmarks culture_survey_did, simulations à "
            "effet connu) : couverture des intervalles à 95 % entre 0,941 et 0,957 ; avant/après "
            "sans comparaison : biais de la tendance commune (jusqu'à 5 points). Temps par la "
            "route (python -m benchmarks culture_network, graphe routier SYNTHÉTIQUE de "
            "400 000 nœuds, aucun réseau français n'étant disponible hors ligne) : 711 communes "
            "× 1 227 musées en 1,5 s (Dijkstra en Python pur : 8,3 s), mêmes temps ; en "
            "transports en commun (python -m benchmarks culture_transit, horaires GTFS "
            "SYNTHÉTIQUES, 115 200 connexions) : 3,4 s (balayage scalaire en Python : 10,0 s), "
            "mêmes temps. Vérification des tendances parallèles sur les vagues d'enquête : "
            "4,6 à 4,7 % de fausses alertes, mais faible puissance (18 % d'écarts de 10 points "
            "détectés avec une vague antérieure)."
        ),
        measured_by=(
            "PYTHONPATH=src:. python -m benchmarks.culture --sims 2000 --real-sims 1000 "
            "(benchmarks/results/culture.json) ; python -m benchmarks culture_survey "
            "culture_offgrid culture_survey_did (benchmarks/results/culture_survey.json, "
            "culture_offgrid.json, culture_survey_did.json) ; python -m benchmarks culture_network "
            "(benchmarks/results/culture_network.json) ; python -m benchmarks culture_transit "
            "(benchmarks/results/culture_transit.json)"
        ),
        energy=(
            "Calculs numpy sur un cœur : moins d'une seconde par page d'observatoire, environ "
            "10 s par évaluation (2 000 tirages placebo + contrôle synthétique), soit de l'ordre "
            "du milliwattheure ; le seul modèle chargé (e5-small, 4 bits, processeur) sert aux "
            "thèmes des enquêtes, quelques secondes par page de résultats."
        ),
    )
    leak_canaries = "territoria.culture.canaries.plant"
    capabilities = {
        "agent": frozenset({EDIT}),
        "moderateur": frozenset({EDIT}),
        "administrateur": frozenset({EDIT}),
    }
