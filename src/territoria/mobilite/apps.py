"""Mobilité: SUMO networks, scenarios, counts and calibration, accident hot spots (issue 14)."""

from datetime import timedelta

from django.apps import AppConfig

from territoria.core.modules import HomeSection, NavEntry, SelfDescription, UrlModule
from territoria.core.periodic import PeriodicTask


def _fr(number: float) -> str:
    """12 345,6: French digit grouping (narrow no-break space) and decimal comma."""
    return f"{number:,}".replace(",", "\u202f").replace(".", ",")


def _measured() -> tuple[str | None, str | None]:
    """Performance and energy in French from measured.json (written by each run of
    `python -m benchmarks.mobilite`)."""
    import json
    from pathlib import Path

    try:
        m = json.loads(Path(__file__).with_name("measured.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, None
    return describe(m)


def describe(m: dict) -> tuple[str, str]:
    """The register's performance and energy sentences from the measured figures."""
    s = m["scenario"]
    c = m["calibration"]
    performance = (
        f"Mesuré le {m['measured_at']} avec SUMO {m['sumo']}. Scénario « {s['name']} » sur "
        f"{s['network']}, {s['seeds']} graines de {s['duration_s']} s simulées : temps de "
        f"parcours moyen {s['base_travel_time']} s au départ, {s['variant_travel_time']} s avec "
        f"le scénario (écart {s['difference']:+} s, IC 95 % ± {s['ci95']} s), calcul en "
        f"{s['seconds']} s. Calage de la demande sur comptages (routeSampler) : "
        f"{c['calibrated_share_geh5']:.0%} des sections comptées sous GEH 5, contre "
        f"{c['baseline_share_geh5']:.0%} pour une demande aléatoire de même volume."
    )
    k = m.get("counts_import")
    if k:
        performance += (
            f" Comptages (mesuré le {k['measured_at']}) : un an au pas de 6 min pour "
            f"{k['detectors']} détecteurs ({_fr(k['rows'])} lignes) importé en "
            f"{_fr(k['seconds'])} s (version précédente : {_fr(k['previous_seconds'])} s) ; "
            f"graphique mensuel d'un détecteur en {_fr(k['chart_p95_ms'])} ms au 95e centile "
            f"(version précédente : {_fr(k['previous_chart_p95_ms'])} ms)."
        )
    g = m.get("signals")
    if g:
        delays = g["held_out_mean_delay_s"]
        rows = "; ".join(
            f"{network} : Territoria {_fr(d['territoria'])} s, actionné {_fr(d['actuated'])} s, "
            f"max-pressure {_fr(d['max_pressure'])} s, Webster {_fr(d['webster'])} s, "
            f"programme fixe {_fr(d['fixed'])} s"
            for network, d in delays.items()
        )
        performance += (
            f" Feux adaptatifs (mesuré le {g['measured_at']}, réseaux RESCO, une heure SUMO, "
            f"trois configurations jamais vues au réglage — autre graine, demande × 0,8 et "
            f"× 1,2) : retard moyen par trajet {rows}. Le contrôleur de Territoria est le plus "
            f"bas dans les trois configurations sur {len(g['networks_lowest'])} "
            f"réseau{'x' if len(g['networks_lowest']) > 1 else ''} sur {g['networks']}."
        )
    energy = (
        f"Estimation (temps de calcul × 15 W par cœur) : {m['scenario']['energy_wh']} Wh pour le "
        "scénario mesuré"
        + (
            f", {_fr(g['energy_wh'])} Wh pour l'évaluation des feux (6 réseaux × 3 "
            "configurations × 6 contrôleurs)"
            if g
            else ""
        )
        + ". Aucun GPU."
    )
    return performance, energy


PERFORMANCE, ENERGY = _measured()

VIEW = "mobilite.view"  # networks, scenarios, counts, accident hot spots
MANAGE = "mobilite.manage"  # import, edit scenarios, run simulations and calibrations


class MobiliteConfig(AppConfig):
    name = "territoria.mobilite"
    label = "mobilite"
    verbose_name = "Mobilité"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from territoria.mobilite.sumo import import_sumo_keeping_proj

        import_sumo_keeping_proj()  # before anything imports sumolib (see its docstring)

    navigation = [NavEntry("Mobilité", "mobilite:index", capability=VIEW, order=45)]
    home_sections = [HomeSection("mobilite/_home_section.html", order=45)]
    urls = [UrlModule("territoria.mobilite.urls", prefix="mobilite/")]
    leak_canaries = "territoria.mobilite.canaries.plant"
    # Jobs lost with a killed worker failed with a reason, their files removed (recovery.py).
    periodic_tasks = [
        PeriodicTask(
            "mobilite_recover_jobs",
            "territoria.mobilite.recovery.recover_jobs",
            timedelta(minutes=15),
        )
    ]
    capabilities = {
        "agent": frozenset({VIEW, MANAGE}),
        "elu": frozenset({VIEW}),
        "moderateur": frozenset({VIEW}),
        "administrateur": frozenset({VIEW, MANAGE}),
    }
    register_entry = SelfDescription(
        "Mobilité : simulation du trafic (SUMO), comptages, accidents",
        purpose=(
            "Aider les services de voirie à mesurer l'effet d'un chantier, d'une fermeture de "
            "voie ou d'un nouveau plan de feux avant de le décider, à caler la demande sur les "
            "comptages et à repérer les zones d'accidents. Le simulateur propose, les agents "
            "décident."
        ),
        data=(
            "Réseaux SUMO importés ou construits par netconvert depuis un extrait "
            "OpenStreetMap local (ODbL) ; comptages des boucles de la collectivité ; fichiers "
            "nationaux des accidents corporels (BAAC, ONISR, Licence Ouverte) ; calendrier "
            "des vacances scolaires des zones A, B et C (paquet vacances-scolaires-france, "
            "MIT) ; calendrier des événements et relevé météo (fichiers quotidiens de "
            "Météo-France ou tableau simple) importés par les agents."
        ),
        algorithm=(
            "Simulation microscopique SUMO 1.28 (Eclipse, EPL-2.0) : chaque scénario est "
            "comparé au réseau de base sur plusieurs graines de demande (mêmes trajets des deux "
            "côtés), moyenne et intervalle de confiance à 95 % (loi de Student) du temps de "
            "parcours, de l'attente, des arrêts, de la plus longue file, du CO2, des NOx et des "
            "particules (modèle d'émissions HBEFA de SUMO) et du bruit routier (modèle "
            "Harmonoise de SUMO, par tronçon). Calendrier de chantiers : chaque combinaison de "
            "chantiers ouverts le même jour est simulée (tronçons ou voies seules fermés), les "
            "calendriers sont classés par retard total. Effets à court et à long terme, sur "
            "demande : itinéraires habituels à l'équilibre du réseau de base (duaIterate.py de "
            "SUMO), détour à la fermeture seulement (court terme), demande ré-équilibrée sur le "
            "réseau modifié (long terme ; ni report modal ni trajets abandonnés). Demande calée "
            "sur comptages par routeSampler.py, statistique GEH par section. Analyse des flux : "
            "jours types par type de jour (fériés) et saison (vacances scolaires de la zone), "
            "indice de congestion, jours atypiques (médiane et écart absolu médian) rapprochés "
            "des événements, de la météo et des vacances (cause probable : une coïncidence de "
            "calendrier, pas une preuve). Feux : les "
            "contrôleurs (programmes du réseau, Webster, actionné de SUMO, max-pressure, "
            "contrôleur adaptatif de Territoria) comparés sur la même demande, retard par "
            "trajet selon la définition RESCO ; plans horaires tirés du contrôleur adaptatif, "
            "rejoués et exportés en fichier SUMO. Priorité bus aux feux (option d'un scénario) : "
            "un bus annoncé à 150 m d'un feu prolonge son vert (20 s au plus) ou écourte le vert "
            "des autres mouvements après leur minimum, jamais le jaune ni le dégagement, et pas "
            "quand un mouvement attend depuis 90 s. Accidents : DBSCAN (scikit-learn, distance "
            "haversine) pondéré par la gravité, confiance des zones par rééchantillonnage ; "
            "densité à noyau le long du réseau (accidents rattachés à la voie la plus proche) ; "
            "accidents sans coordonnées placés sur la rue que nomme leur adresse (réseau "
            "OpenStreetMap, poids réparti le long de la rue) ou dans leur commune, hors des zones."
        ),
        performance=PERFORMANCE,
        energy=ENERGY,
        measured_by="python -m benchmarks.mobilite (benchmarks/results/mobilite.json)",
        url_name="mobilite:index",
    )
