"""Access to the cultural offer, per commune: distance to the nearest venue, offer of the
surrounding basin per inhabitant, attendance trend of the venues nearby, and a composite
index whose weights are visible and editable; priority areas = low access × unfavourable
social indicator, each one explained.

Distances are great-circle distances from the commune's centre (centroid of its outline).
Without an imported road network, the road distance and the travel time are ESTIMATES:
straight line × DETOUR (1.3, the usual ratio between road and straight distances in France)
at SPEED_KMH (50 km/h). When the collectivité has imported an OpenStreetMap extract
(`network.py`), the time and distance along its roads are given too, and the proximity
component ranks the road times when every area of the territory has one; with a GTFS feed
(`transit.py`), the public-transport time too. The pages say which.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np

from territoria.culture import geo, network, transit
from territoria.culture.models import Attendance, Commune, Indicator, Venue, VenueKind

DETOUR = 1.3
SPEED_KMH = 50.0
RADIUS_KM = 15.0
TREND_YEARS = 6  # the attendance trend: slope of log(visits) over the last 6 years of the file
DEFAULT_WEIGHTS = {"proximite": 0.5, "offre": 0.3, "frequentation": 0.2}
COMPONENTS = {
    "proximite": "Proximité (distance au lieu le plus proche)",
    "offre": "Offre du bassin (lieux à moins de 15 km pour 100 000 habitants)",
    "frequentation": "Dynamique de fréquentation des lieux proches",
}
UNUSABLE = {"ferme", "non_communique", "vide", "commun", "doublon", "reouverture", "incomplet"}


def clean_weights(raw: dict | None) -> dict[str, float]:
    """The weights, each ≥ 0, not all zero; missing ones take their default."""
    weights = {}
    for key, default in DEFAULT_WEIGHTS.items():
        try:
            value = float((raw or {}).get(key, default))
        except (TypeError, ValueError):
            value = default
        weights[key] = value if math.isfinite(value) and value >= 0 else default
    if sum(weights.values()) <= 0:
        return dict(DEFAULT_WEIGHTS)
    return weights


def nearest_and_counts(
    c_lat: np.ndarray, c_lon: np.ndarray, v_lat: np.ndarray, v_lon: np.ndarray, radius_km: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """For each commune: distance to the nearest venue (km), its index, the number of venues
    within `radius_km`, and the commune × venue distance matrix (vectorised)."""
    distances = geo.distance_matrix_km(c_lat, c_lon, v_lat, v_lon)
    nearest = distances.argmin(axis=1)
    return (
        distances[np.arange(len(c_lat)), nearest],
        nearest,
        (distances <= radius_km).sum(axis=1),
        distances,
    )


def nearest_loop(c_lat, c_lon, v_lat, v_lon) -> list[float]:
    """The baseline of the benchmark: the same nearest distance, one pair at a time."""
    result = []
    for lat_a, lon_a in zip(c_lat, c_lon, strict=True):
        best = math.inf
        for lat_b, lon_b in zip(v_lat, v_lon, strict=True):
            p1, p2 = math.radians(lat_a), math.radians(lat_b)
            h = (
                math.sin((p2 - p1) / 2) ** 2
                + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon_b - lon_a) / 2) ** 2
            )
            best = min(best, 2 * geo.EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h))))
        result.append(best)
    return result


def percentile_scores(values: np.ndarray, higher_is_better: bool) -> np.ndarray:
    """Rank of each value among the territory's, scaled to 0 (worst) … 1 (best); ties share
    their mean rank."""
    n = len(values)
    if n == 1:
        return np.array([0.5])
    order = values if higher_is_better else -values
    ranks = np.empty(n)
    sorter = np.argsort(order, kind="mergesort")
    ranks[sorter] = np.arange(n)
    for value in np.unique(order):  # mean rank for ties
        mask = order == value
        if mask.sum() > 1:
            ranks[mask] = ranks[mask].mean()
    return ranks / (n - 1)


def venue_trends(venue_ids: list) -> dict:
    """Attendance trend of each venue (% per year, log-linear slope over the last TREND_YEARS
    years of its usable figures; at least 4 of them), from the series linked to it."""
    rows = Attendance.objects.filter(series__venue_id__in=venue_ids, total__gt=0).values_list(
        "series__venue_id", "year", "total", "flags"
    )
    points: dict = defaultdict(dict)
    for venue_id, year, total, flags in rows:
        if not UNUSABLE.intersection(flags):
            points[venue_id][year] = points[venue_id].get(year, 0) + total
    trends = {}
    for venue_id, by_year in points.items():
        last = max(by_year)
        years = [y for y in by_year if y > last - TREND_YEARS]
        if len(years) < 4:
            continue
        x = np.array(years, float)
        y = np.log([by_year[year] for year in years])
        slope = np.polyfit(x, y, 1)[0]
        trends[venue_id] = 100 * (math.exp(slope) - 1)
    return trends


@dataclass
class AccessRow:
    code: str
    name: str
    population: int | None
    density: float | None
    nearest_km: float
    nearest_name: str
    road_km: float
    minutes: float
    venues_within: int
    basin_population: int
    offer_per_100k: float
    trend_pct: float | None
    scores: dict[str, float]
    index: float = 0.0
    rank: int = 0
    quartile: int = 0
    flags: list[str] = field(default_factory=list)
    indicator: float | None = None
    priority: bool = False
    reason: str = ""
    network_km: float | None = None  # along the imported road network (None: no answer)
    network_minutes: float | None = None
    network_name: str = ""
    network_reason: str = ""
    transit_minutes: float | None = None  # by public transport (imported GTFS; None: no answer)
    transit_name: str = ""
    transit_reason: str = ""


@dataclass
class AccessResult:
    rows: list[AccessRow]
    weights: dict[str, float]
    radius_km: float
    kinds: list[str]
    venues: int
    indicator: str = ""
    indicator_year: int | None = None
    indicator_direction: str = "haut"
    indicator_median: float | None = None
    access_q25: float | None = None
    notes: list[str] = field(default_factory=list)
    networks: list[str] = field(default_factory=list)  # road networks used (names)
    transit: list[str] = field(default_factory=list)  # GTFS feeds used (« name (date) »)
    proximity_by: str = "distance"  # "distance" (straight line) or "temps" (road network)

    @property
    def priorities(self) -> list[AccessRow]:
        return [row for row in self.rows if row.priority]


def compute_access(
    communes: list[Commune],
    *,
    weights: dict | None = None,
    radius_km: float = RADIUS_KM,
    kinds: tuple[str, ...] = (VenueKind.MUSEE,),
    indicator: str = "",
    direction: str = "haut",
    level: str = "commune",
) -> AccessResult:
    """`communes`: communes, or any areas with the same attributes (code, name, population,
    density, latitude, longitude, departement, flags), e.g. IRIS (`iris_index`); `level`
    names the level of the social indicator's values (commune or iris)."""
    weights = clean_weights(weights)
    venues = list(
        Venue.objects.filter(kind__in=kinds, latitude__isnull=False).values(
            "pk", "name", "city", "latitude", "longitude"
        )
    )
    result = AccessResult([], weights, radius_km, list(kinds), len(venues))
    if not communes or not venues:
        if not venues:
            result.notes.append("Aucun lieu localisé importé : importez Muséofile d'abord.")
        return result
    c_lat = np.array([c.latitude for c in communes])
    c_lon = np.array([c.longitude for c in communes])
    v_lat = np.array([v["latitude"] for v in venues])
    v_lon = np.array([v["longitude"] for v in venues])
    nearest_km, nearest, within, distances = nearest_and_counts(
        c_lat, c_lon, v_lat, v_lon, radius_km
    )
    road = network.along_networks(c_lat, c_lon, v_lat, v_lon)
    bus = transit.along_transit(c_lat, c_lon, v_lat, v_lon)
    if bus is not None:
        result.transit = bus[1]
    # Basin population: every imported commune of the same départements (not only the
    # territory's, so that border communes keep their whole basin) within the radius.
    around = list(
        Commune.objects.filter(departement__in={c.departement for c in communes}).values_list(
            "latitude", "longitude", "population"
        )
    )
    a_lat = np.array([lat for lat, _, _ in around])
    a_lon = np.array([lon for _, lon, _ in around])
    a_pop = np.array([pop or 0 for _, _, pop in around], float)
    commune_distances = geo.distance_matrix_km(c_lat, c_lon, a_lat, a_lon)
    basin = ((commune_distances <= radius_km) * a_pop[None, :]).sum(axis=1)
    offer = np.where(basin > 0, within / np.maximum(basin, 1) * 100_000, 0.0)
    trends = venue_trends([v["pk"] for v in venues])
    trend_by_index = np.array([trends.get(v["pk"], np.nan) for v in venues])
    commune_trend = np.full(len(communes), np.nan)
    for i in range(len(communes)):
        near = trend_by_index[distances[i] <= radius_km]
        near = near[~np.isnan(near)]
        if len(near):
            commune_trend[i] = float(np.median(near))
    proximity = nearest_km
    if road is not None:
        result.networks = road[1]
        if road[1] and not np.isnan(road[0].minutes).any():
            proximity, result.proximity_by = road[0].minutes, "temps"
            result.notes.append(
                "Proximité classée selon le temps en voiture sur le réseau routier importé "
                f"({', '.join(road[1])}), connu pour chaque zone du territoire."
            )
        else:
            missing = int(np.isnan(road[0].minutes).sum())
            result.notes.append(
                f"Réseau routier importé, mais sans temps pour {missing} des {len(communes)} "
                "zones (hors de son emprise ou trop petit) : la proximité reste classée selon "
                "la distance à vol d'oiseau, pour comparer toutes les zones de la même façon."
            )
    scores = {
        "proximite": percentile_scores(proximity, higher_is_better=False),
        "offre": percentile_scores(offer, higher_is_better=True),
    }
    known = ~np.isnan(commune_trend)
    trend_scores = np.full(len(communes), 0.5)
    if known.sum() > 1:
        trend_scores[known] = percentile_scores(commune_trend[known], higher_is_better=True)
    scores["frequentation"] = trend_scores
    total_weight = sum(weights.values())
    index = sum(weights[key] * scores[key] for key in weights) / total_weight
    order = np.argsort(-index, kind="mergesort")
    ranks = np.empty(len(communes), int)
    ranks[order] = np.arange(1, len(communes) + 1)
    q25, q50, q75 = np.quantile(index, [0.25, 0.5, 0.75])
    result.access_q25 = float(q25)
    for i, commune in enumerate(communes):
        row = AccessRow(
            code=commune.code,
            name=commune.name,
            population=commune.population,
            density=commune.density,
            nearest_km=float(nearest_km[i]),
            nearest_name=f"{venues[nearest[i]]['name']} ({venues[nearest[i]]['city']})",
            road_km=float(nearest_km[i] * DETOUR),
            minutes=float(nearest_km[i] * DETOUR / SPEED_KMH * 60),
            venues_within=int(within[i]),
            basin_population=int(basin[i]),
            offer_per_100k=float(offer[i]),
            trend_pct=None if np.isnan(commune_trend[i]) else float(commune_trend[i]),
            scores={key: float(scores[key][i]) for key in scores},
            index=float(index[i]),
            rank=int(ranks[i]),
            quartile=1 + int(index[i] > q25) + int(index[i] > q50) + int(index[i] > q75),
            flags=list(commune.flags),
        )
        if road is not None:
            answer = road[0]
            if np.isnan(answer.minutes[i]):
                row.network_reason = answer.reasons[i]
            else:
                j = int(answer.venue[i])
                row.network_km = float(answer.km[i])
                row.network_minutes = float(answer.minutes[i])
                row.network_name = f"{venues[j]['name']} ({venues[j]['city']})"
        if bus is not None:
            if np.isnan(bus[0].minutes[i]):
                row.transit_reason = bus[0].reasons[i]
            else:
                j = int(bus[0].venue[i])
                row.transit_minutes = float(bus[0].minutes[i])
                row.transit_name = f"{venues[j]['name']} ({venues[j]['city']})"
        if row.trend_pct is None:
            row.flags.append(
                f"Aucune série de fréquentation exploitable à moins de {radius_km:g} km : dynamique neutre (0,5)"
            )
        result.rows.append(row)
    mark_priorities(result, indicator, direction, level)
    result.rows.sort(key=lambda row: row.rank)
    return result


def latest_indicator(
    name: str, codes: list[str], level: str = "commune"
) -> tuple[int | None, dict[str, float | None]]:
    """The latest year of an indicator and its values at `level` (commune or iris; secret:
    None)."""
    year = (
        Indicator.objects.filter(name=name, level=level, code__in=codes)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )
    if year is None:
        return None, {}
    values = Indicator.objects.filter(
        name=name, year=year, level=level, code__in=codes
    ).values_list("code", "value")
    return year, dict(values)


def _fr(value: float, digits: int | None = None) -> str:
    """A number as French readers write it (decimal comma)."""
    text = f"{value:.{digits}f}" if digits is not None else f"{value:g}"
    return text.replace(".", ",")


def mark_priorities(
    result: AccessResult, indicator: str, direction: str, level: str = "commune"
) -> None:
    """Priority = access index in the territory's lowest quarter AND, when an indicator is
    chosen, a value on the unfavourable side of the territory's median. Secret values
    never make a priority by themselves: the commune is flagged for a closer look."""
    q25 = result.access_q25
    low = [row for row in result.rows if row.index <= q25]
    if not indicator:
        result.notes.append(
            "Aucun indicateur social choisi : les zones prioritaires ne reposent que sur "
            "l'accès (quart le plus faible de l'indice). Importez un indicateur (revenu, "
            "pauvreté, diplômes…) pour croiser."
        )
        for row in low:
            row.priority = True
            row.reason = (
                f"Indice d'accès {_fr(row.index, 2)} ≤ {_fr(q25, 2)} (quart le plus faible) ; "
                f"lieu le plus proche à {_fr(row.nearest_km, 1)} km."
            )
        return
    year, values = latest_indicator(indicator, [row.code for row in result.rows], level)
    result.indicator, result.indicator_year, result.indicator_direction = indicator, year, direction
    known = [v for v in values.values() if v is not None]
    if not known:
        result.notes.append(
            f"L'indicateur « {indicator} » n'a aucune valeur publiable sur ce territoire."
        )
        return
    median = float(np.median(known))
    result.indicator_median = median
    side = "au-dessus" if direction == "haut" else "en dessous"
    for row in result.rows:
        row.indicator = values.get(row.code)
    for row in low:
        value = row.indicator
        if value is None:
            row.flags.append(f"« {indicator} » secret ou absent : à examiner (accès faible)")
            continue
        unfavourable = value > median if direction == "haut" else value < median
        if unfavourable:
            row.priority = True
            row.reason = (
                f"Indice d'accès {_fr(row.index, 2)} ≤ {_fr(q25, 2)} (quart le plus faible ; lieu "
                f"le plus proche à {_fr(row.nearest_km, 1)} km) et « {indicator} » {year} = "
                f"{_fr(value)}, {side} de la médiane du territoire ({_fr(median)})."
            )


def spearman(x: np.ndarray, y: np.ndarray, permutations: int = 2000, seed: int = 0) -> dict:
    """Spearman's rank correlation with a two-sided permutation p-value."""
    rx = percentile_scores(np.asarray(x, float), True)
    ry = percentile_scores(np.asarray(y, float), True)
    rho = float(np.corrcoef(rx, ry)[0, 1])
    rng = np.random.default_rng(seed)
    null = np.array([np.corrcoef(rx, rng.permutation(ry))[0, 1] for _ in range(permutations)])
    p = float((1 + (np.abs(null) >= abs(rho)).sum()) / (permutations + 1))
    return {"rho": rho, "p": p, "n": len(rx)}


CORRELATION_CAVEATS = (
    (
        "Corrélation entre territoires, pas entre personnes (erreur écologique) : elle ne dit "
        "rien des habitants pris un à un."
    ),
    "Une corrélation n'est pas une cause : densité, âge, offre de transport peuvent expliquer les deux.",
    "Petites communes : une valeur repose sur peu d'habitants et varie beaucoup d'une année à l'autre.",
    "Valeurs sous secret statistique exclues du calcul.",
)


def correlation(result: AccessResult) -> dict | None:
    pairs = [(row.index, row.indicator) for row in result.rows if row.indicator is not None]
    if len(pairs) < 8:
        return None
    x, y = np.array(pairs).T
    found = spearman(x, y)
    found["caveats"] = list(CORRELATION_CAVEATS)
    return found


# --- Distance to the offer by type, per commune or IRIS ----------------------------------------

DISTANCE_NOTE = (
    "Distance à vol d'oiseau depuis le centre de la zone (centre géométrique de son contour, "
    "pas le lieu où vivent les habitants) jusqu'au lieu le plus proche de chaque type, tous "
    "lieux localisés importés (y compris hors du territoire). Distance routière et temps : "
    f"ESTIMATIONS (× {_fr(DETOUR)} puis {_fr(SPEED_KMH)} km/h en voiture), sans réseau routier "
    "importé : ce n'est ni un temps de trajet mesuré ni un temps en bus."
)


NETWORK_NOTE = (
    "Distance à vol d'oiseau depuis le centre de la zone (centre géométrique de son contour, "
    "pas le lieu où vivent les habitants) jusqu'au lieu le plus proche de chaque type, puis, "
    "sur le réseau routier OpenStreetMap importé par la collectivité, le temps en voiture "
    "et la distance du trajet le plus rapide jusqu'au lieu le plus proche en temps (vitesses "
    "limites, sans embouteillage ni attente aux carrefours : un temps optimiste)."
)
TRANSIT_NOTE = (
    " En transports en commun : horaires GTFS importés, départ du centre à 10 h le jour de "
    "référence du réseau, marche à vol d'oiseau jusqu'à un arrêt à moins de 1 km, "
    "correspondances au même arrêt seulement ; pas un temps porte à porte."
)
NO_TRANSIT_NOTE = " Aucun horaire de transport en commun (GTFS) importé : pas de temps en bus."


def nearest_by_kind(
    lat: np.ndarray, lon: np.ndarray, kinds: list[str] | None = None
) -> dict[str, dict]:
    """For each venue type (among located venues): per point, the straight-line distance (km)
    to the nearest venue of that type and its name — one vectorised matrix per type."""
    venues = Venue.objects.filter(latitude__isnull=False, longitude__isnull=False)
    if kinds:
        venues = venues.filter(kind__in=kinds)
    grouped: dict[str, list] = defaultdict(list)
    for kind, name, city, v_lat, v_lon in venues.values_list(
        "kind", "name", "city", "latitude", "longitude"
    ):
        grouped[kind].append((name, city, v_lat, v_lon))
    found = {}
    for kind in [k for k in VenueKind.values if k in grouped]:
        rows = grouped[kind]
        distances = geo.distance_matrix_km(
            np.asarray(lat, float),
            np.asarray(lon, float),
            np.array([r[2] for r in rows]),
            np.array([r[3] for r in rows]),
        )
        nearest = distances.argmin(axis=1)
        found[kind] = {
            "km": distances[np.arange(len(lat)), nearest],
            "names": [f"{rows[j][0]} ({rows[j][1]})" for j in nearest],
            "venues": len(rows),
            "lat": np.array([r[2] for r in rows]),
            "lon": np.array([r[3] for r in rows]),
            "labels": [f"{r[0]} ({r[1]})" for r in rows],
        }
    return found


@dataclass
class IrisRow:
    code: str
    name: str
    commune: str
    population: int | None
    distances: list[dict]  # per type: kind, label, km, road_km, minutes, venue
    indicator: float | None = None
    priority: bool = False
    reason: str = ""
    flags: list[str] = field(default_factory=list)


def iris_access(commune_codes: list[str], indicator: str = "", direction: str = "haut") -> dict:
    """The IRIS of the communes (when imported): distance to the nearest venue of each type,
    and priority IRIS = distance to the nearest venue (first type: museums when there are)
    in the territory's farthest quarter of IRIS AND, when an indicator with IRIS values is
    chosen, a value on the unfavourable side of the IRIS median."""
    from territoria.culture.models import Iris

    zones = list(Iris.objects.filter(commune_code__in=commune_codes))
    names = dict(Commune.objects.filter(code__in=commune_codes).values_list("code", "name"))
    if not zones:
        return {"rows": [], "kinds": [], "note": DISTANCE_NOTE}
    lat = np.array([z.latitude for z in zones])
    lon = np.array([z.longitude for z in zones])
    found = nearest_by_kind(lat, lon)
    labels = dict(VenueKind.choices)
    roads, buses = {}, {}
    for kind, item in found.items():
        answer = network.along_networks(lat, lon, item["lat"], item["lon"])
        if answer is not None:
            roads[kind] = answer[0]
        answer = transit.along_transit(lat, lon, item["lat"], item["lon"])
        if answer is not None:
            buses[kind] = answer[0]
    rows = []
    for i, zone in enumerate(zones):
        distances = []
        for kind, item in found.items():
            d = {
                "kind": kind,
                "label": labels[kind],
                "km": float(item["km"][i]),
                "road_km": float(item["km"][i] * DETOUR),
                "minutes": float(item["km"][i] * DETOUR / SPEED_KMH * 60),
                "venue": item["names"][i],
                "network_km": None,
                "network_minutes": None,
                "network_venue": "",
                "network_reason": "",
                "transit_minutes": None,
                "transit_reason": "",
            }
            bus = buses.get(kind)
            if bus is not None and np.isnan(bus.minutes[i]):
                d["transit_reason"] = bus.reasons[i]
            elif bus is not None:
                d["transit_minutes"] = float(bus.minutes[i])
            road = roads.get(kind)
            if road is not None and np.isnan(road.minutes[i]):
                d["network_reason"] = road.reasons[i]
            elif road is not None:
                d["network_km"] = float(road.km[i])
                d["network_minutes"] = float(road.minutes[i])
                d["network_venue"] = item["labels"][int(road.venue[i])]
            distances.append(d)
        rows.append(
            IrisRow(
                zone.code,
                zone.name,
                names.get(zone.commune_code, zone.commune_code),
                zone.population,
                distances,
                flags=list(zone.flags),
            )
        )
    result = {
        "rows": rows,
        "kinds": [(k, labels[k]) for k in found],
        "note": (NETWORK_NOTE if roads else DISTANCE_NOTE)
        + (TRANSIT_NOTE if buses else NO_TRANSIT_NOTE),
        "network": bool(roads),
        "transit": bool(buses),
    }
    if not found:
        return result
    lead = VenueKind.MUSEE if VenueKind.MUSEE in found else next(iter(found))
    km = found[lead]["km"]
    q75 = float(np.quantile(km, 0.75))
    result.update(lead=labels[lead], q75=q75, indicator=indicator)
    values: dict = {}
    if indicator:
        year = (
            Indicator.objects.filter(
                name=indicator, level=Indicator.Level.IRIS, code__in=[z.code for z in zones]
            )
            .order_by("-year")
            .values_list("year", flat=True)
            .first()
        )
        if year is not None:
            values = dict(
                Indicator.objects.filter(
                    name=indicator, year=year, level=Indicator.Level.IRIS
                ).values_list("code", "value")
            )
            result["indicator_year"] = year
    known = [v for v in (values.get(z.code) for z in zones) if v is not None]
    median = float(np.median(known)) if known else None
    result["indicator_median"] = median
    for i, row in enumerate(rows):
        row.indicator = values.get(row.code)
        if km[i] < q75 or len(rows) < 4:
            continue
        base = (
            f"{labels[lead].lower()} le plus proche à {_fr(float(km[i]), 1)} km, dans le quart "
            f"des IRIS les plus éloignés (≥ {_fr(q75, 1)} km)"
        )
        if not indicator or median is None:
            row.priority, row.reason = True, base[0].upper() + base[1:] + "."
        elif row.indicator is None:
            row.flags.append(f"« {indicator} » secret ou absent pour cet IRIS : à examiner")
        elif (row.indicator > median) if direction == "haut" else (row.indicator < median):
            side = "au-dessus" if direction == "haut" else "en dessous"
            row.priority = True
            row.reason = (
                f"{base[0].upper() + base[1:]} et « {indicator} » = {_fr(row.indicator)}, {side} de la "
                f"médiane des IRIS ({_fr(median)})."
            )
    return result


# --- The composite index per IRIS -------------------------------------------------------------


@dataclass
class IrisArea:
    """An IRIS with the attributes `compute_access` reads from a commune."""

    code: str
    name: str
    population: int | None
    density: float | None
    latitude: float
    longitude: float
    departement: str
    flags: list[str]


def iris_index(
    commune_codes: list[str],
    *,
    weights: dict | None = None,
    kinds: tuple[str, ...] = (VenueKind.MUSEE,),
    indicator: str = "",
    direction: str = "haut",
) -> AccessResult:
    """The composite access index of the communes' IRIS, by the commune method unchanged
    (`compute_access`): the same three components, each a percentile rank among the
    territory's IRIS (not its communes), the same weights; the basin of an IRIS is the
    population of the communes within 15 km of its centre, as for a commune; priority IRIS =
    index in the IRIS's lowest quarter AND, when chosen, the indicator's IRIS-level value on
    the unfavourable side of the IRIS median."""
    from territoria.culture.models import Iris

    departements = dict(
        Commune.objects.filter(code__in=commune_codes).values_list("code", "departement")
    )
    areas = [
        IrisArea(
            code=z.code,
            name=z.name,
            population=z.population,
            density=(z.population / z.area_km2) if z.population and z.area_km2 else None,
            latitude=z.latitude,
            longitude=z.longitude,
            departement=departements.get(z.commune_code, z.commune_code[:2]),
            flags=list(z.flags),
        )
        for z in Iris.objects.filter(commune_code__in=commune_codes)
    ]
    return compute_access(
        areas,
        weights=weights,
        kinds=kinds,
        indicator=indicator,
        direction=direction,
        level=Indicator.Level.IRIS,
    )
