"""`python -m territoria.mobilite.signals --resco cologne1,… [--seed N] [--demand-scale X]
[--plans-dir D [--no-coordinated-plans]] --output R.json`: every controller on every network in
the same run, the table printed (with the plans: isolated and coordinated columns)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .evaluate import CONTROLLERS, evaluate, format_table
from .sumoenv import RESCO_NETWORKS, SignalsError


def build_parser(parser: argparse.ArgumentParser | None = None) -> argparse.ArgumentParser:
    parser = parser or argparse.ArgumentParser(
        prog="signals-eval", description="Compare les contrôleurs de feux sur les réseaux RESCO."
    )
    parser.add_argument(
        "--resco", default=",".join(RESCO_NETWORKS), help="réseaux, séparés par des virgules"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--demand-scale", type=float, default=1.0)
    parser.add_argument("--controllers", default=",".join(CONTROLLERS))
    parser.add_argument(
        "--horizon", type=int, default=None, help="secondes simulées (défaut : l'heure RESCO)"
    )
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--plans-dir", default=None, help="exporte et rejoue les plans horaires")
    parser.add_argument(
        "--no-coordinated-plans",
        dest="coordinated_plans",
        action="store_false",
        help="avec --plans-dir, ne rejoue pas les plans coordonnés (une simulation de moins "
        "par réseau ayant des feux reliés)",
    )
    parser.add_argument("--output", default=None)
    return parser


def run(opts, out=sys.stdout) -> dict:
    if opts.demand_scale <= 0:
        raise SignalsError("--demand-scale doit être strictement positif.")
    result = evaluate(
        networks=[n.strip() for n in opts.resco.split(",") if n.strip()],
        seed=opts.seed,
        scale=opts.demand_scale,
        controllers=tuple(c.strip() for c in opts.controllers.split(",") if c.strip()),
        horizon=opts.horizon,
        jobs=opts.jobs,
        plans_dir=opts.plans_dir,
        coordinated=opts.coordinated_plans,
    )
    if opts.output:
        Path(opts.output).write_text(json.dumps(result, indent=1, ensure_ascii=False))
    out.write(format_table(result) + "\n")
    out.write(
        f"(retard moyen par trajet en s ; graine {opts.seed}, demande ×{opts.demand_scale})\n"
    )
    return result


def main(argv: list[str] | None = None) -> int:
    opts = build_parser().parse_args(argv)
    try:
        run(opts)
    except SignalsError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
