"""Scoring: trust and SLA policies and the explainable trust model built on them."""

__all__: list[str] = []
