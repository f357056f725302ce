"""Adaptive traffic lights on SUMO: controllers (controllers.py), evaluation against the
baselines on the RESCO networks (evaluate.py), time-of-day plans (plans.py), the adapter
interface for real controllers (adapter.py). Pure Python + SUMO (controllers.py also compiled by
mypyc at install when a C compiler is there: see its end); no Django import."""

from .sumoenv import RESCO_NETWORKS, SignalsError

__all__ = ["RESCO_NETWORKS", "SignalsError"]
