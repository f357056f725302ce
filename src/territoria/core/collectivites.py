"""The region of a French public body, derived from its SIRET (never typed by hand).

Data: the npm package `@etalab/decoupage-administratif` (MIT, installed by `npm ci`, i.e.
`make install`; also read by the culture module), from `TERRITORIA_DECOUPAGE_DIR` or from
`node_modules/` of the checkout. Its files give the communes (with their SIREN), the EPCI and
EPT (their code *is* their SIREN, with their member communes), the départements and regions.

The SIREN (9 first digits of the SIRET) is looked up in this order:

1. a commune's SIREN → the commune's region;
2. an EPCI's or EPT's SIREN → the region of most of its members (by population);
3. the numbering of local public bodies registered before 2000 — « 2 », the kind of body, then
   the code of the département where it was registered (« 228500013 »: Vendée, « 254300882 »:
   Haute-Loire) — checked on the package itself: the rule holds for 33 633 communes and
   519 of 527 EPCI whose SIREN does not start with 200 (the 8 others are in Corsica, same
   region, and one EPCI registered in the neighbouring département);
4. the name, for a region or a département that has none of the above (« Région Occitanie »,
   « Département de la Vendée »): the package has no SIREN for them.

Nothing is guessed beyond that: an organisation not found keeps an empty region and the page
says « non déterminée ».
"""

from __future__ import annotations

import json
import os
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import Path

PACKAGE = "@etalab/decoupage-administratif"
ROOT = Path(__file__).resolve().parents[3]


@dataclass(frozen=True)
class RegionMatch:
    code: str  # INSEE code of the region, e.g. "84"
    name: str  # e.g. "Auvergne-Rhône-Alpes"
    how: str  # how it was found, in French (shown to moderators, logged in tests)


def decoupage_dir() -> Path:
    configured = os.environ.get("TERRITORIA_DECOUPAGE_DIR")
    if configured:
        return Path(configured)
    for base in (Path.cwd(), ROOT):
        candidate = base / "node_modules" / PACKAGE / "data"
        if candidate.is_dir():
            return candidate
    return ROOT / "node_modules" / PACKAGE / "data"


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(char for char in text if not unicodedata.combining(char))
    return " ".join("".join(c if c.isalnum() else " " for c in text.casefold()).split())


@dataclass
class _Tables:
    regions: dict[str, str]  # code → name
    departements: dict[str, tuple[str, str]]  # code → (name, region code)
    by_siren: dict[str, tuple[str, str]]  # SIREN → (region code, how)
    places: dict[str, str]  # SIREN → where it is, in words (record pages: no raw coordinates)


def _read(path: Path):
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


@cache
def _tables(folder: str) -> _Tables | None:
    base = Path(folder)
    if not (base / "regions.json").is_file():
        return None
    regions = {r["code"]: r["nom"] for r in _read(base / "regions.json")}
    departements = {d["code"]: (d["nom"], d["region"]) for d in _read(base / "departements.json")}
    communes = {
        c["code"]: c
        for c in _read(base / "communes.json")
        if c.get("type") == "commune-actuelle" and c.get("region")
    }
    by_siren: dict[str, tuple[str, str]] = {}
    places: dict[str, str] = {}

    def departement_name(commune) -> str:
        return departements.get(commune.get("departement"), ("",))[0]

    for commune in communes.values():
        if commune.get("siren"):
            by_siren[commune["siren"]] = (commune["region"], f"commune {commune['nom']}")
            dept = departement_name(commune)
            places[commune["siren"]] = f"{commune['nom']} ({dept})" if dept else commune["nom"]
    for name in ("epci.json", "ept.json"):
        if not (base / name).is_file():
            continue
        for group in _read(base / name):
            weights: Counter[str] = Counter()
            for member in group.get("membres", []):
                commune = communes.get(member["code"])
                if commune:
                    weights[commune["region"]] += member.get("populationTotale") or 1
            if weights:
                region = weights.most_common(1)[0][0]
                by_siren.setdefault(group["code"], (region, f"intercommunalité {group['nom']}"))
            members = [
                communes[m["code"]] for m in group.get("membres", []) if m["code"] in communes
            ]
            if members and group["code"] not in places:
                largest = max(members, key=lambda c: c.get("population") or 0)
                dept = departement_name(largest)
                where = f"{largest['nom']} ({dept})" if dept else largest["nom"]
                places[group["code"]] = (
                    f"{len(members)} commune{'s' if len(members) > 1 else ''} autour de {where}"
                    if len(members) > 1
                    else where
                )
    return _Tables(regions, departements, by_siren, places)


def _departement_of_numbering(siren: str) -> str | None:
    """The département code in the SIREN of a local body registered before 2000, if any."""
    if len(siren) != 9 or siren[0] != "2" or siren[1] == "0":
        return None
    code = siren[2:4]
    if code == "97":  # overseas: three digits (971 Guadeloupe … 976 Mayotte)
        return siren[2:5]
    return code


def _match_name(name: str, tables: _Tables) -> tuple[str, str] | None:
    text = _normalise(name)
    if text.startswith("region "):
        for code, region in tables.regions.items():
            if text == "region " + _normalise(region):
                return code, "nom de la région"
    if text.startswith("departement "):
        rest = text.removeprefix("departement ")
        for article in ("de la ", "de l ", "du ", "des ", "de "):
            if rest.startswith(article):
                rest = rest.removeprefix(article)
                break
        for dept_name, region in tables.departements.values():
            if rest == _normalise(dept_name):
                return region, f"nom du département {dept_name}"
    return None


def region_of(siret: str | None, name: str = "", folder: str | Path | None = None):
    """The region of a French public body, or None when the data cannot tell (see above)."""
    tables = _tables(str(folder or decoupage_dir()))
    if tables is None:
        return None
    siren = "".join(ch for ch in str(siret or "") if ch.isdigit())[:9]
    found = tables.by_siren.get(siren)
    if found is None and (dept := _departement_of_numbering(siren)):
        if dept == "20":  # Corsica: 2A and 2B, one region
            dept = "2A"
        if dept in tables.departements:
            dept_name, region = tables.departements[dept]
            found = (region, f"SIREN immatriculé dans le département {dept_name}")
    if found is None:
        found = _match_name(name, tables)
    if found is None or found[0] not in tables.regions:
        return None
    return RegionMatch(found[0], tables.regions[found[0]], found[1])


def place_of(siret: str | None, name: str = "", folder: str | Path | None = None) -> str:
    """Where a French public body is, in words: its commune (and département) for a commune,
    its largest member commune for an intercommunality, else its département or region; ""
    when the data cannot tell. Record pages show this rather than raw coordinates."""
    tables = _tables(str(folder or decoupage_dir()))
    if tables is None:
        return ""
    siren = "".join(ch for ch in str(siret or "") if ch.isdigit())[:9]
    if siren in tables.places:
        return tables.places[siren]
    dept = _departement_of_numbering(siren)
    if dept == "20":
        dept = "2A"
    if dept in tables.departements:
        dept_name, region = tables.departements[dept]
        return f"{dept_name} ({tables.regions.get(region, '')})".replace(" ()", "")
    found = region_of(siret, name, folder)
    return found.name if found else ""


def region_names(folder: str | Path | None = None) -> list[str]:
    """Every region's name (empty without the package)."""
    tables = _tables(str(folder or decoupage_dir()))
    return sorted(tables.regions.values()) if tables else []
