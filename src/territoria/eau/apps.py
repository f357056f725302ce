"""The water module: leak alerts, pipe-renewal priorities and quality checks (issue 13)."""

from datetime import timedelta

from django.apps import AppConfig
from django.utils.functional import lazy

from territoria.core.modules import (
    HomeSection,
    NavEntry,
    PublishedDataset,
    SelfDescription,
    UrlModule,
)
from territoria.core.periodic import PeriodicTask
from territoria.core.templatetags.french import count_words


def _measured() -> tuple[str | None, str | None]:
    """Performance and energy in French, from measured.json (written by each full run of
    `python -m benchmarks.eau`): the register quotes the latest measured figures."""
    import json
    from pathlib import Path

    try:
        m = json.loads((Path(__file__).with_name("measured.json")).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None, None
    h2 = m["detection_h2"]
    year = m["detection_2018"]
    top = m["renewal_top1_count"]
    performance = (
        f"Mesuré le {m['measured_at']}. Fuites (L-Town, réglages choisis sur le 1er semestre "
        f"2018, mesurés sur le 2d) : {h2['cusum']['detected']} fuites sur {h2['cusum']['leaks']} "
        f"détectées avec {count_words(h2['cusum']['false_alarms'], 'fausse alerte|f|fausses alertes')}, contre "
        f"{h2['night_flow']['detected']} sur {h2['night_flow']['leaks']} avec "
        f"{count_words(h2['night_flow']['false_alarms'], 'fausse alerte|f|fausses alertes')} pour la méthode du débit minimum "
        f"de nuit ; sur l'année 2018 : {year['cusum']['detected']}/{year['cusum']['leaks']} "
        f"fuites, {count_words(year['cusum']['false_alarms'], 'fausse alerte|f|fausses alertes')}, délai médian "
        f"{year['cusum']['median_delay_h']} h. "
    )
    summary = m.get("renewal_summary")
    if summary:
        years = sorted(top)
        mean = {
            k: sum(v[k] for v in top.values()) / len(top) for k in ("model", "past_breaks", "age")
        }
        performance += (
            "Renouvellement (Kitchener, risque de casse : ensemble de 4 modèles choisi par "
            "validation interne sur les années antérieures ; part des casses des 5 années "
            f"suivantes) : pour {summary['years']} années de référence ({years[0]}–{years[-1]}), "
            f"meilleur que la meilleure référence à chaque coupe (1, 5, 10, 20 % des tuyaux, en "
            f"nombre et en longueur) {summary['years_beating_best_baseline_at_every_cut']} fois"
            + (f", pas en {', '.join(summary['years_not'])}" if summary["years_not"] else "")
            + f" ; sur le 1 % en tête, en moyenne {mean['model']:.0%} des casses contre "
            f"{mean['past_breaks']:.0%} pour les plus cassés et {mean['age']:.0%} pour les plus "
            "anciens."
        )
    else:
        performance += (
            "Renouvellement (Kitchener, part des casses des 5 années suivantes sur le 1 % des "
            "tuyaux classés en tête) : "
            + " ; ".join(
                f"{y} : priorités {v['model']:.0%}, plus cassés {v['past_breaks']:.0%}, "
                f"plus anciens {v['age']:.0%}"
                for y, v in top.items()
            )
            + "."
        )
    if "localisation" in m:
        loc = m["localisation"]
        performance += (
            f" Localisation dans la zone (pressions simulées des 33 capteurs de L-Town, fuites "
            f"de 2018, bruit de demande et de capteur) : erreur médiane {loc['median_error_m']:.0f} m "
            f"({loc['within_300_m']:.0%} à moins de 300 m) contre "
            f"{loc['centroid_median_error_m']:.0f} m pour le centre de la zone ; pour une petite "
            f"fuite de 5 m³/h, {loc['small_leak_median_error_m']:.0f} m, "
            + (
                "mieux que le centre de la zone."
                if loc["small_leak_median_error_m"] < loc["small_leak_centroid_median_error_m"]
                else "pas mieux que le centre de la zone."
            )
        )
    if "slow_leaks_2018" in m:
        slow = m["slow_leaks_2018"]
        trend, alone, night = slow["cusum_trend"], slow["cusum_alone"], slow["night_flow_baseline"]
        performance += (
            f" Fuites lentes de 2018 ({trend['of']}) : CUSUM + tendance "
            f"{trend['detected']}/{trend['of']}, délai médian {trend['median_delay_h']} h, "
            f"{count_words(trend['false_alarms_year'], 'fausse alerte|f|fausses alertes')} sur l'année ; CUSUM seul "
            f"{alone['median_delay_h']} h, {alone['false_alarms_year']} ; débit de nuit "
            f"{night['detected']}/{night['of']}, {night['median_delay_h']} h, "
            f"{count_words(night['false_alarms_year'], 'fausse alerte|f|fausses alertes')}."
        )
    if "priorities_top1_count" in m:
        performance += (
            " Priorités de renouvellement (risque de casse × criticité, part des casses des 5 "
            "années suivantes sur le 1 % des tuyaux en tête) : "
            + " ; ".join(
                f"{y} : {v['blend']:.0%} contre {v['age']:.0%} pour l'âge seul"
                + (f" et {v['past_breaks']:.0%} pour les plus cassés" if "past_breaks" in v else "")
                for y, v in m["priorities_top1_count"].items()
            )
            + "."
        )
    energy = (
        f"Estimation (temps de calcul × 15 W par cœur) : {m['replay_year_energy_wh']} Wh pour "
        f"rejouer une année de mesures ; {m['renewal_energy_wh']} Wh pour un classement des "
        "canalisations."
    )
    if "daily_detection_energy_wh" in m:
        energy += (
            f" Détection quotidienne (un jour de mesures, détecteurs repris) : "
            f"{m['daily_detection_energy_wh']} Wh."
        )
    if "renewal_plan_energy_wh" in m:
        plan = m["renewal_plan_energy_wh"]
        energy += (
            f" Plan de renouvellement : {plan['fitted']} Wh quand les modèles sont ajustés, "
            f"{plan['models_reused']} Wh quand ils sont repris (même inventaire, mêmes casses)."
        )
    energy += " Aucun GPU."
    return performance, energy


PERFORMANCE, ENERGY = _measured()


def _latest_runs() -> tuple:
    """The latest finished replay and renewal plan of this instance (None, None without a
    database or before any run)."""
    try:
        from territoria.eau.models import Job, JobStatus

        done = Job.objects.filter(status=JobStatus.DONE).order_by("-updated_at")
        return done.filter(kind="replay").first(), done.filter(kind="renewal").first()
    except Exception:  # noqa: BLE001 — no database yet (checks, migrations): static text only
        return None, None


def _live_performance() -> str:
    """The benchmark's figures, then the reliability the latest renewal plan of this
    instance measured on the years it had not seen (kept current after each evaluation)."""
    text = PERFORMANCE or ""
    _, renewal = _latest_runs()
    evaluation = (renewal.result or {}).get("evaluation") if renewal else None
    methods = (evaluation or {}).get("methods")
    if methods and "blend" in methods and "age" in methods:
        top = {name: methods[name]["breaks"]["count"]["1"] for name in methods}
        text += (
            f" Dernière évaluation sur cette instance ({renewal.updated_at:%d/%m/%Y}) : les "
            f"priorités placent {top['blend']:.0%} des casses de {evaluation['split_year']}–"
            f"{evaluation['split_year'] + evaluation['horizon'] - 1} sur le 1 % des tuyaux "
            f"en tête, contre {top['age']:.0%} pour les plus anciens"
            + (f" et {top['past_breaks']:.0%} pour les plus cassés" if "past_breaks" in top else "")
            + "."
        )
    return text.strip()


def _live_energy() -> str:
    """The benchmark's estimate, then the energy of this instance's latest runs."""
    text = ENERGY or ""
    replay, renewal = _latest_runs()
    parts = []
    if replay and "energy_wh" in (replay.result or {}):
        # energy only: the replayed network and its measures belong to a water service
        parts.append(
            f"dernier rejeu de mesures ({replay.updated_at:%d/%m/%Y}) : "
            f"{replay.result['energy_wh']} Wh"
        )
    if renewal and "energy_wh" in (renewal.result or {}):
        parts.append(
            f"dernier plan de renouvellement ({renewal.updated_at:%d/%m/%Y}) : "
            f"{renewal.result['energy_wh']} Wh"
        )
    if parts:
        text += " Sur cette instance, " + " ; ".join(parts) + "."
    return text.strip()


VIEW = "eau.view"  # networks, flows, alerts (operational data of the water service)
MANAGE = "eau.manage"  # import, replay, confirm / dismiss / repair alerts, edit zones


class EauConfig(AppConfig):
    name = "territoria.eau"
    label = "eau"
    verbose_name = "Eau potable"
    default_auto_field = "django.db.models.BigAutoField"

    navigation = [NavEntry("Eau", "eau:index", order=40)]
    home_sections = [
        HomeSection("eau/_home_section.html", context="territoria.eau.views.home_context", order=40)
    ]
    urls = [UrlModule("territoria.eau.urls", prefix="eau/")]
    leak_canaries = "territoria.eau.canaries.plant"
    capabilities = {
        "agent": frozenset({VIEW, MANAGE}),
        "elu": frozenset({VIEW}),
        "moderateur": frozenset({VIEW}),
        "administrateur": frozenset({VIEW, MANAGE}),
    }
    periodic_tasks = [
        PeriodicTask(
            "eau_detect_new_days", "territoria.eau.jobs.detect_all_networks", timedelta(hours=1)
        ),
        # Overdue decisions (alerts still « nouvelle », non-compliances without follow-up
        # after 48 h) mailed to each water service once a day (reminders.py).
        PeriodicTask("eau_reminders", "territoria.eau.reminders.send_reminders", timedelta(days=1)),
        # Jobs lost by a killed worker failed with a reason; uploaded models that no worker
        # read within a day deleted with their job failed (recovery.py).
        PeriodicTask(
            "eau_recover_jobs", "territoria.eau.recovery.recover_jobs", timedelta(minutes=15)
        ),
    ]
    datasets = [
        PublishedDataset(
            key="eau-volumes-mensuels",
            slug="volumes-mensuels-eau-potable",
            title="Eau potable : volumes mensuels par zone du réseau",
            description=(
                "Pour chaque réseau dont le service a choisi la publication, chaque zone "
                "hydraulique et chaque mois : volume entré dans la zone (bilan de ses compteurs), "
                "heures mesurées et taux de couverture (les trous ne sont pas comblés), débit "
                "moyen, débit moyen de nuit (1 h – 4 h) et nombre de fuites confirmées par un "
                "agent."
            ),
            writer="territoria.eau.publishing.write_monthly_csv",
            watch=("eau.Network", "eau.Zone", "eau.SensorImport", "eau.Alert"),
            resource_slug="volumes-mensuels",
            resource_title="Volumes mensuels par zone",
            table_name="eau_volumes_mensuels",
            keywords=("eau potable", "réseau", "volumes", "fuites", "débit de nuit"),
            theme="ENVI",
        )
    ]
    register_entry = SelfDescription(
        "Eau potable : fuites, renouvellement, qualité",
        purpose=(
            "Aider le service de l'eau à repérer vite les fuites (alertes par zone hydraulique, "
            "expliquées, confirmées ou écartées par un agent), à prioriser le renouvellement des "
            "canalisations et à contrôler la qualité de l'eau distribuée. L'IA propose, les agents "
            "décident."
        ),
        data=(
            "Modèle EPANET et débits SCADA au pas de 5 minutes (réseau L-Town de BattLeDIM 2020, "
            "EUPL-1.2) ; inventaire et 38 ans de casses de Kitchener (données ouvertes) ; limites "
            "de qualité de l'arrêté du 11 janvier 2007 (à vérifier sur Légifrance)."
        ),
        algorithm=(
            "Fuites : profil hebdomadaire appris de la demande de chaque zone, CUSUM bilatéral "
            "sur le débit de fond nocturne et test de rupture brutale (3 h contre la même heure "
            "une semaine plus tôt) ; chaque alerte n'utilise que les données antérieures. "
            "Fuites lentes : test de tendance (pente des moindres carrés sur 28 nuits). "
            "Localisation : signatures de pression calculées par EPANET (WNTR) pour une fuite "
            "à chaque nœud de la zone, comparées par corrélation à la baisse observée des "
            "capteurs de pression. Renouvellement : gradient boosting de Poisson (scikit-learn) "
            "sur l'âge, le matériau, le diamètre, la longueur, la zone et les casses passées ; "
            "priorités = modèle de survie (Weibull à risques proportionnels, forme de Poisson) "
            "× criticité du tronçon. Publication mensuelle des volumes par zone en données "
            "ouvertes, sur décision du service."
        ),
        # Lazy: each reading of the register adds the figures of this instance's latest runs.
        performance=lazy(_live_performance, str)(),
        energy=lazy(_live_energy, str)(),
        measured_by="python -m benchmarks.eau (benchmarks/results/eau.json)",
        url_name="eau:index",
    )
