"""Before/after an action on a survey indicator (issue 17: « does a festival change how a
neighbourhood perceives culture? »): bias and coverage of `culture.surveys.did_proportions`, the
difference-in-differences of the agreement share between two survey waves in the action's
communes and in the other communes, on simulated surveys with a KNOWN effect.

    python -m benchmarks culture_survey_did [--sims 4000]

Each scenario draws binomial answers in four cells (action communes / others × before /
after), with a common trend for everybody and the action's true effect added in the action's
communes after. Reported per scenario, against baselines computed on the same draws:
- the tool: DiD of proportions shrunk by ½ answer each way, its 95 % interval;
- the textbook Wald interval of the same DiD (plain proportions);
- the naive before/after in the action's communes only (no comparison area): biased by the
  common trend, which the DiD removes.
Coverage of a 95 % interval should be between 0.93 and 0.97 (the issue's criterion for the
attendance estimator, applied here too). Simulated respondents are independent random samples:
real survey waves are not (self-selection, other channels), which no interval can correct.

Writes benchmarks/results/culture_survey_did.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time

import numpy as np

from benchmarks import setup_django, write_result

SCENARIOS = [
    # name, answers per cell (action before, action after, others before, others after),
    # shares before (action, others), common trend, true effect
    ("small action area, 20-25 answers", (20, 25, 60, 60), (0.40, 0.45), -0.05, 0.10),
    ("medium, 60 answers", (60, 60, 200, 180), (0.40, 0.45), -0.05, 0.10),
    ("no effect, medium", (60, 60, 200, 180), (0.40, 0.45), -0.05, 0.0),
    ("shares near 0, small", (25, 25, 80, 80), (0.08, 0.10), 0.02, 0.05),
    ("shares near 1, medium", (50, 50, 150, 150), (0.85, 0.88), 0.03, -0.08),
    ("large, 300 answers", (300, 300, 800, 800), (0.35, 0.40), -0.04, 0.06),
]


# Pre-trend check (`surveys.wave_gaps`): waves before the action, then the reference wave and
# one wave after; answers per wave (action communes, others); shares per wave; the check's
# verdict is read over many draws. `drift`: a change of the action communes' share per wave
# BEFORE the action (0 = parallel trends hold).
PRE_TREND_SCENARIOS = [
    ("parallel, 1 wave before the reference, 60/200 answers", 1, (60, 200), 0.0),
    ("parallel, 3 waves before the reference, 60/200 answers", 3, (60, 200), 0.0),
    ("diverging by 10 points a wave, 1 wave before, 60/200", 1, (60, 200), 0.10),
    ("diverging by 10 points a wave, 3 waves before, 60/200", 3, (60, 200), 0.10),
    ("diverging by 10 points a wave, 1 wave before, 25/80", 1, (25, 80), 0.10),
]


def _pre_trend_checks(rng, sims: int) -> dict:
    """False alarms of the joint parallel-trends check when trends ARE parallel (target: 5 %),
    against the same gaps tested one by one at 95 % (no correction for several waves); and
    how often a real pre-action divergence is caught."""
    from types import SimpleNamespace

    from territoria.culture.surveys import did_proportions, wave_gaps

    found = {}
    for name, pre, (n_t, n_c), drift in PRE_TREND_SCENARIOS:
        waves = [
            SimpleNamespace(survey=SimpleNamespace(title=f"vague {i + 1}")) for i in range(pre + 2)
        ]
        base, last = waves[pre], waves[-1]
        alarms, alarms_one_by_one = 0, 0
        for _ in range(sims):
            draws = {}
            for i, wave in enumerate(waves):
                share_t = 0.45 - drift * (pre - min(i, pre)) - 0.02 * i
                share_c = 0.50 - 0.02 * i  # a common trend of −2 points a wave
                draws[id(wave)] = (
                    (int(rng.binomial(n_t, min(max(share_t, 0.01), 0.99))), n_t),
                    (int(rng.binomial(n_c, share_c)), n_c),
                )

            def cell(wave, inside, draws=draws):
                return draws[id(wave)][0 if inside else 1]

            event = wave_gaps(waves, {"x"}, base, last, cell)
            alarms += not event["passed"]
            one = False
            for wave in waves[:pre]:
                r = did_proportions(
                    {
                        "tb": cell(base, True),
                        "ta": cell(wave, True),
                        "cb": cell(base, False),
                        "ca": cell(wave, False),
                    }
                )
                one |= r["low"] > 0 or r["high"] < 0
            alarms_one_by_one += one
        found[name] = {
            "waves_before_reference": pre,
            "answers_per_wave": [n_t, n_c],
            "pre_action_drift_points_per_wave": round(100 * drift, 1),
            "tool_joint_check_fails": round(alarms / sims, 3),
            "baseline_one_by_one_95_fails": round(alarms_one_by_one / sims, 3),
        }
    return {"sims": sims, "scenarios": found}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sims", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=17)
    args = parser.parse_args(argv or [])
    folder = tempfile.mkdtemp(prefix="culture-did-")
    try:
        return _run(args, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run(args, folder: str) -> dict:
    setup_django(folder)  # throw-away: the survey code needs Django set up
    from territoria.culture.surveys import did_proportions, did_wald

    rng = np.random.default_rng(args.seed)
    results = {}
    started = time.perf_counter()
    for name, sizes, (p_t, p_c), trend, effect in SCENARIOS:
        truth = {
            "tb": p_t,
            "ta": p_t + trend + effect,
            "cb": p_c,
            "ca": p_c + trend,
        }
        found = {"tool": [], "wald": [], "naive": []}
        for _ in range(args.sims):
            cells = {
                k: (int(rng.binomial(n, truth[k])), n) for k, n in zip(truth, sizes, strict=True)
            }
            for label, method in (("tool", did_proportions), ("wald", did_wald)):
                r = method(cells)
                found[label].append((r["estimate"], r["low"] <= effect <= r["high"]))
            pb, pa = cells["tb"][0] / cells["tb"][1], cells["ta"][0] / cells["ta"][1]
            se = np.sqrt(pb * (1 - pb) / cells["tb"][1] + pa * (1 - pa) / cells["ta"][1])
            found["naive"].append((pa - pb, pa - pb - 1.96 * se <= effect <= pa - pb + 1.96 * se))
        results[name] = {
            "answers_per_cell": sizes,
            "true_effect_points": round(100 * effect, 1),
            "common_trend_points": round(100 * trend, 1),
            **{
                label: {
                    "bias_points": round(100 * (np.mean([e for e, _ in rows]) - effect), 2),
                    "coverage_95": round(float(np.mean([c for _, c in rows])), 3),
                }
                for label, rows in found.items()
            },
        }
    pre_trends = _pre_trend_checks(rng, max(1000, args.sims // 2))
    figures = {
        "pre_trend_check": pre_trends,
        "sims_per_scenario": args.sims,
        "seed": args.seed,
        "seconds": round(time.perf_counter() - started, 1),
        "target_coverage": [0.93, 0.97],
        "scenarios": results,
        "tool_coverage_within_target_in_every_scenario": all(
            0.93 <= r["tool"]["coverage_95"] <= 0.97 for r in results.values()
        ),
        "wald_coverage_within_target_in_every_scenario": all(
            0.93 <= r["wald"]["coverage_95"] <= 0.97 for r in results.values()
        ),
    }
    path = write_result("culture_survey_did", figures)
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    print(f"→ {path}")
    return figures
