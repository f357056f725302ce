"""Adaptive traffic lights on SUMO: controllers (controllers.py), evaluation against the
baselines on the RESCO networks (evaluate.py), time-of-day plans (plans.py), the adapter
interface for real controllers (adapter.py). Pure Python + SUMO; no Django import."""

from .sumoenv import RESCO_NETWORKS, SignalsError

__all__ = ["RESCO_NETWORKS", "SignalsError"]
