"""The factors of Lyon's planting-feasibility layer and their default weights (the "profil Lyon").

Each 5 m cell gets, for each factor, the share of its area the factor covers; the score is
Σ weight × share. A factor weighted −5 blocks the cell (class 0). Weights come from the
open-source layer of the Métropole de Lyon (DatAgora / Erasme), agreed there with the network
operators; a collectivité edits them in its own profile (models.WeightProfile).

`buffer_m` is the default distance drawn around the factor's geometries before they are
rasterised: the 2 m rule around buried networks, the half-width of a line or the radius of a
point. A layer may override it.
"""

from __future__ import annotations

from dataclasses import dataclass

MIN_WEIGHT, MAX_WEIGHT = -5, 3
BLOCKING_WEIGHT = -5
NETWORK_RULE_M = 2.0  # buried networks: no planting closer than 2 m


@dataclass(frozen=True)
class Factor:
    key: str
    label: str
    weight: int  # Lyon's weight
    buffer_m: float = 0.0
    underground: bool = False
    lyon: bool = True  # False: added by Territoria, not in Lyon's list


FACTORS: tuple[Factor, ...] = (
    # +3
    Factor("souches_fosses", "Souches et fosses d'arbres libres", 3, 1.0),
    Factor("friches_naturelles", "Friches naturelles", 3),
    Factor("vegetation_basse", "Végétation basse (pelouses, massifs)", 3),
    # +2
    Factor("friches", "Friches", 2),
    Factor("parcs", "Parcs et jardins", 2),
    Factor("giratoires", "Giratoires (îlots centraux)", 2),
    # +1
    Factor("arbres", "Arbres existants", 1, 2.0),
    Factor("aires_jeux_pietonnes", "Aires de jeux et espaces piétons", 1, 1.0),
    Factor("marches", "Marchés", 1),
    Factor("canopee", "Canopée", 1),
    Factor("agricole", "Terres agricoles", 1),
    Factor("foret", "Forêts et bois", 1),
    # −1
    Factor("stations_velo", "Stations de vélos", -1, 2.0),
    Factor("assainissement", "Réseau d'assainissement", -1, NETWORK_RULE_M, underground=True),
    Factor("pistes_cyclables", "Pistes cyclables", -1, 1.0),
    Factor("lignes_bus", "Lignes de bus", -1, 3.0),
    Factor("electricite_souterraine", "Lignes électriques souterraines", -1, NETWORK_RULE_M, True),
    Factor(
        "autres_reseaux",
        "Autres réseaux enterrés (eau potable, télécoms…)",
        -1,
        NETWORK_RULE_M,
        underground=True,
        lyon=False,
    ),
    # −2
    Factor("parkings", "Parkings", -2),
    Factor("feux", "Feux de circulation", -2, 1.5),
    Factor("arrets_tc", "Arrêts de transport en commun", -2, 2.0),
    Factor("facades", "Façades", -2, 1.0),
    Factor("surfaces_artificielles", "Surfaces artificialisées (chaussées)", -2, 3.0),
    Factor("metro", "Métro", -2, NETWORK_RULE_M, underground=True),
    Factor("tram", "Tramway", -2, 1.5),
    Factor("lignes_aeriennes", "Lignes aériennes", -2, 1.0),
    # −3
    Factor("chauffage_urbain", "Réseau de chaleur", -3, NETWORK_RULE_M, underground=True),
    Factor("gaz", "Réseau de gaz", -3, NETWORK_RULE_M, underground=True),
    # −4
    Factor("places_pmr", "Places de stationnement PMR", -4, 1.5),
    # −5: blocking
    Factor("batiments", "Bâtiments", -5),
    Factor("aerodrome", "Aérodrome", -5),
    Factor("entrees_parking", "Entrées de parkings souterrains", -5, 3.0),
    Factor("eau", "Eau (cours d'eau, plans d'eau)", -5),
    Factor("ponts", "Ponts", -5, 4.0),
    Factor("voies_ferrees", "Voies ferrées", -5, 2.0),
)

BY_KEY: dict[str, Factor] = {factor.key: factor for factor in FACTORS}
UNDERGROUND = frozenset(f.key for f in FACTORS if f.underground)


def lyon_weights() -> dict[str, int]:
    """Lyon's profile: factor key → weight."""
    return {factor.key: factor.weight for factor in FACTORS}


def check_weight(key: str, weight) -> int:
    """The weight as an int in −5…+3, or ValueError in French."""
    if key not in BY_KEY:
        raise ValueError(f"Facteur inconnu « {key} ».")
    try:
        value = int(weight)
    except (TypeError, ValueError):
        raise ValueError(
            f"Poids de « {BY_KEY[key].label} » : « {weight} » n'est pas un entier."
        ) from None
    if value != weight and not isinstance(weight, str):
        raise ValueError(f"Poids de « {BY_KEY[key].label} » : un entier est attendu.")
    if not MIN_WEIGHT <= value <= MAX_WEIGHT:
        raise ValueError(
            f"Poids de « {BY_KEY[key].label} » : {value} est hors de l'intervalle "
            f"{MIN_WEIGHT}…+{MAX_WEIGHT}."
        )
    return value
