"""The module's register entry quotes the measured figures of measured.json, the adaptive
lights' held-out delays against every baseline included (written by benchmarks.mobilite_signals
after a run of the three held-out configurations on the six RESCO networks)."""

import json
from pathlib import Path

from territoria.mobilite import apps

MEASURED = json.loads((Path(apps.__file__).with_name("measured.json")).read_text(encoding="utf-8"))
SIGNALS = {
    "measured_at": "2026-12-04",
    "configs": ["held-out: seed 1, demand x1.0"],
    "held_out_mean_delay_s": {
        "ingolstadt21": {
            "fixed": 150.1,
            "webster": 220.4,
            "actuated": 96.5,
            "max_pressure": 190.2,
            "territoria": 66.25,
            "territoria_plan": 120.0,
        }
    },
    "networks_lowest": ["ingolstadt21"],
    "networks": 6,
    "energy_wh": 1.25,
}


def test_the_register_quotes_the_lights_delays_against_the_baselines():
    performance, energy = apps.describe({**MEASURED, "signals": SIGNALS})
    assert "ingolstadt21 : Territoria 66,25 s, actionné 96,5 s, max-pressure 190,2 s" in performance
    assert "le plus bas dans les trois configurations sur 1 réseau sur 6" in performance
    assert "1,25 Wh pour l'évaluation des feux" in energy


def test_without_a_lights_run_the_register_says_nothing_of_them():
    performance, energy = apps.describe({k: v for k, v in MEASURED.items() if k != "signals"})
    assert "Feux adaptatifs" not in performance and "feux" not in energy
