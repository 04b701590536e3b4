"""One self-contained HTML page: the shell that ``report --html`` and ``audit --html`` share.

Pages carry their own CSS and inline SVG, load nothing from the network and run no
script, so they can be archived, mailed or opened offline and look the same years later.
Every text that comes from the ledger passes through :func:`esc` (``html.escape``), and
sits in its own bidirectional isolate, so that Persian or Arabic words keep their
punctuation on the right side and cannot reorder the text around them: a ``<bdi>``
element in HTML (:func:`isolated`; every table cell gets one), the Unicode isolate
characters FSI ... PDI where no element can go (:func:`isolated_text`: SVG labels, a
``<title>``).

A text's own bidi controls stay inside its isolate (:func:`contained`): a stray PDI in a
summary would otherwise close the isolate early, and an override after it would reverse
the page's own words that follow (": 12" read "21 :").

The page also states a strict Content-Security-Policy (:data:`CSP`) in a ``<meta>``: should
a text ever slip past the escaping, a browser still runs no script from it, loads nothing
and sends no form anywhere.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from trustengine.domain.jalali import shown_time

STYLE = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2733;
       margin: 2rem auto; max-width: 72rem; padding: 0 1rem; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #d5dbe1; }
.meta { color: #5b6875; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border-bottom: 1px solid #e3e7eb; padding: .25rem .6rem; text-align: left;
         vertical-align: top; }
th { background: #f3f5f7; }
td bdi { white-space: pre-wrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.ok { color: #1b7f3b; } .bad { color: #b42318; }
figure { margin: 1rem 0; } figcaption { color: #5b6875; font-size: .9rem; }
svg text { font: 11px system-ui, sans-serif; fill: #1d2733; }
"""


CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)
"""The page's Content-Security-Policy: no script at all, no fetch, no frame, no font; only
its own inline CSS (and ``data:`` images, though it has none). ``frame-ancestors`` cannot
be set from a ``<meta>``, and a page opened from a file needs no more."""

# What html.escape leaves alone but an HTML parser would not give back: the input stream
# turns a carriage return (and CR LF) into a line feed, and drops a NUL from the text of
# the body (U+FFFD elsewhere). A reference keeps the CR; a NUL cannot be shown in HTML at
# all, so it is the replacement character everywhere rather than silently gone.
_PARSER_SAFE = str.maketrans({"\r": "&#13;", "\0": "\ufffd"})

FSI, PDI = "\u2068", "\u2069"
"""FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE: the text between takes the direction
of its first strong letter, like ``dir="auto"``, and does not reorder what surrounds it."""


_INITIATORS = "\u2066\u2067\u2068"  # LRI, RLI, FSI
_ISOLATE_CONTROLS = re.compile("[\u2066-\u2069]")


def contained(text: str) -> str:
    """``text`` with its bidi isolates balanced, so that it cannot end the isolate it is
    put in: a PDI that closes nothing in ``text`` itself is left out (standing alone it
    does nothing, in an isolate it would close that), and an isolate ``text`` opens and
    never closes is closed at its end (where a paragraph of its own would close it). It
    reads as it would on a line of its own; embeddings and overrides end with the
    isolate anyway."""
    if _ISOLATE_CONTROLS.search(text) is None:
        return text
    kept, opened = [], 0
    for char in text:
        if char in _INITIATORS:
            opened += 1
        elif char == PDI:
            if not opened:
                continue
            opened -= 1
        kept.append(char)
    return "".join(kept) + PDI * opened


class Html(str):
    """A fragment that is HTML already, built from escaped parts: :func:`table` and
    :func:`page` take it as it is instead of escaping it again."""

    __slots__ = ()


def esc(value: Any) -> str:
    """``value`` as HTML text: ``None`` is empty, everything else is escaped (``&<>"'``),
    a carriage return as a reference and a NUL as U+FFFD, so a browser's text is the
    value's text."""
    if value is None:
        return ""
    return html.escape(str(value), quote=True).translate(_PARSER_SAFE)


def isolated(value: Any) -> Html:
    """A text from the ledger (or the user) as HTML in its own ``<bdi>``: its direction
    is its own (a Persian summary reads right to left with its "?" at its left end)
    and it cannot reorder the text around it. Empty for ``None`` or an empty text."""
    text = "" if value is None else esc(contained(str(value)))
    return Html(f"<bdi>{text}</bdi>" if text else "")


def isolated_text(value: Any) -> str:
    """A text from the ledger, escaped, between FSI and PDI: the isolate of
    :func:`isolated` where markup cannot go (an SVG ``<text>``, a ``<title>``)."""
    text = "" if value is None else esc(contained(str(value)))
    return f"{FSI}{text}{PDI}" if text else ""


def _cell(value: Any) -> str:
    return value if isinstance(value, Html) else isolated(shown_time(value))


def table(
    rows: Iterable[Mapping[str, Any]],
    columns: Sequence[str],
    *,
    numeric: Iterable[str] = (),
    css_class: str | None = None,
) -> str:
    """An HTML table of ``rows`` with one column per name in ``columns``: each text cell in
    its own ``<bdi>`` (an :class:`Html` value goes in as it is), numbers as they are."""
    right = set(numeric)
    head = "".join(f"<th>{esc(name)}</th>" for name in columns)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{esc(row.get(name))}</td>'
            if name in right
            else f"<td>{_cell(row.get(name))}</td>"
            for name in columns
        )
        + "</tr>"
        for row in rows
    )
    cls = f' class="{esc(css_class)}"' if css_class else ""
    return f"<table{cls}><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def page(title: str, body: str, *, subtitle: str | None = None, heading: Html | None = None) -> str:
    """A complete HTML document: ``title`` (text) as its title and heading, or ``heading``
    (HTML) as the heading, then ``subtitle`` (text, or :class:`Html`) and ``body`` (HTML)."""
    shown = subtitle if isinstance(subtitle, Html) else esc(subtitle)
    meta = f'<p class="meta">{shown}</p>' if subtitle else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{esc(title) if heading is None else heading}</h1>{meta}{body}</body></html>\n"
    )


__all__ = [
    "CSP",
    "FSI",
    "PDI",
    "Html",
    "contained",
    "esc",
    "isolated",
    "isolated_text",
    "page",
    "table",
]
