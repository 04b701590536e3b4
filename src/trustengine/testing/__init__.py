"""Public helpers for tests and benchmarks of code that embeds trustengine.

:mod:`trustengine.testing.synth` generates deterministic synthetic histories in the
interchange format."""

__all__: list[str] = []
