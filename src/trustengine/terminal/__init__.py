"""Text on its way to a terminal: shown literally, never obeyed. See docs/architecture.md."""

__all__: list[str] = []
