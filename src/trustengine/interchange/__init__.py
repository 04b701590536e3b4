"""The interchange contract's faces: the JSON Lines codec, the contract's schema, import/export.

See docs/interchange.md for the contract and docs/architecture.md for where this layer sits."""

__all__: list[str] = []
