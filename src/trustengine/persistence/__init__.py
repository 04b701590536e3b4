"""Storage: the pydantic mapper and the one place that opens a store from a target."""

__all__: list[str] = []
