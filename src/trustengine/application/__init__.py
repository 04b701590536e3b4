"""The application layer: the `TrustEngine` (engine), its typed commands and its read API.

Load, command, save, return typed values; the rules live in :mod:`trustengine.domain`, the
answers' figures on the read side. See docs/architecture.md."""

__all__: list[str] = []
