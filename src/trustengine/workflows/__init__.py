"""Processes that read the read model and record facts on the write side (the sweep).

See docs/architecture.md."""

__all__: list[str] = []
