"""HTML output: one self-contained page shell and one SVG chart library, shared by the
report and the audit. See docs/architecture.md."""

__all__: list[str] = []
