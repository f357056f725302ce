"""Territoria — the sovereign, offline AI platform of French local governments."""

__version__ = "0.1.0"
