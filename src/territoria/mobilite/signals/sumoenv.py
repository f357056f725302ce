"""Where SUMO and the RESCO networks are: always the installed PyPI packages.

SUMO_HOME is set from the `sumo` package (eclipse-sumo), never taken from the machine's
environment, so that the binaries, the tools and libsumo are the same version (1.28).
The RESCO networks (Ault & Sharon, NeurIPS 2021) are read from the installed `sumo-rl` wheel;
they are not copied into the project (CC BY-NC-SA / GPL-3.0).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

RESCO_NETWORKS = ("cologne1", "cologne3", "cologne8", "ingolstadt1", "ingolstadt7", "ingolstadt21")


class SignalsError(Exception):
    """A clear message for the user (unknown network, SUMO missing, diverged run…)."""


@cache
def sumo_home() -> Path:
    try:
        import sumo  # eclipse-sumo
    except ImportError as exc:  # pragma: no cover - dependency of the project
        raise SignalsError("Le paquet eclipse-sumo n'est pas installé (make install-dev).") from exc
    home = Path(sumo.SUMO_HOME)
    os.environ["SUMO_HOME"] = str(home)
    tools = str(home / "tools")
    if tools not in sys.path:
        sys.path.append(tools)
    return home


def binary(name: str) -> str:
    path = sumo_home() / "bin" / name
    if not path.exists():
        raise SignalsError(f"Binaire SUMO introuvable : {path}")
    return str(path)


def tool(name: str) -> str:
    path = sumo_home() / "tools" / name
    if not path.exists():
        raise SignalsError(f"Outil SUMO introuvable : {path}")
    return str(path)


@dataclass(frozen=True)
class Scenario:
    """A network, its demand and its simulated hour."""

    name: str
    net: Path
    routes: Path
    begin: int
    end: int


def _resco_dir() -> Path:
    # located, not imported: importing sumo_rl pulls gymnasium and wants SUMO_HOME
    import importlib.util

    spec = importlib.util.find_spec("sumo_rl")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - dependency
        raise SignalsError("Le paquet sumo-rl (réseaux RESCO) n'est pas installé.")
    return Path(next(iter(spec.submodule_search_locations))) / "nets" / "RESCO"


def resco(name: str) -> Scenario:
    """The RESCO scenario `name` (its own net, routes and hour from its .sumocfg)."""
    import xml.etree.ElementTree as ET

    base = _resco_dir() / name
    cfg = base / f"{name}.sumocfg"
    if name not in RESCO_NETWORKS and not cfg.exists():
        known = ", ".join(RESCO_NETWORKS)
        raise SignalsError(f"Réseau RESCO inconnu : « {name} » (connus : {known}).")
    root = ET.parse(cfg).getroot()
    begin = int(float(root.find("time/begin").get("value")))
    end = int(float(root.find("time/end").get("value")))
    return Scenario(
        name=name,
        net=base / f"{name}.net.xml",
        routes=base / f"{name}.rou.xml",
        begin=begin,
        end=end,
    )
