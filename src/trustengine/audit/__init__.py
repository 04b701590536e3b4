"""The audit report: one customer's complete, verified record at a point in time.

:func:`build_audit` gathers it as plain data (:mod:`.build`), :func:`to_json` writes it
deterministically, and :func:`to_html` renders it as one self-contained page (:mod:`.html`).
"""

from __future__ import annotations

from trustengine.audit.build import FORMAT, build_audit, to_json
from trustengine.audit.html import to_html

__all__ = ["FORMAT", "build_audit", "to_html", "to_json"]
