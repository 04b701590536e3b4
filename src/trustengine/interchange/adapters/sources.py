"""Reading an export: the files of a folder, JSON pages one at a time, and texts cut to
what the contract takes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from trustengine.exceptions import ImportRejectedError
from trustengine.interchange.adapters.report import ConversionReport

TEXT_MAX = 10_000
"""The contract's longest text (docs/interchange.md, 1.1)."""
KEY_MAX = 200
"""The contract's longest key."""


def files_of(path: Path, suffixes: tuple[str, ...]) -> list[Path]:
    """``path`` itself, or the files in the folder ``path`` with one of ``suffixes``, by
    name; :class:`ImportRejectedError` when there is nothing to read."""
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix in suffixes)
        if not found:
            raise ImportRejectedError(str(path), [(0, f"no {'/'.join(suffixes)} files here")])
        return found
    if not path.is_file():
        raise ImportRejectedError(str(path), [(0, "no such file or folder")])
    return [path]


def json_page(path: Path) -> Any:
    """One JSON file of an API export (a page), whole; a file that is not JSON is an
    :class:`ImportRejectedError` naming its line."""
    try:
        with path.open(encoding="utf-8-sig") as stream:
            return json.load(stream)
    except json.JSONDecodeError as error:
        raise ImportRejectedError(
            str(path), [(error.lineno, f"not valid JSON: {error.msg}")]
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ImportRejectedError(str(path), [(0, f"cannot read: {error}")]) from None


def records(page: Any, key: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """The objects of ``page[key]`` (or of ``page`` when it is a list), numbered from 0."""
    items = page.get(key, []) if isinstance(page, dict) else page
    if not isinstance(items, list):
        return
    for index, item in enumerate(items):
        if isinstance(item, dict):
            yield index, item


def text(value: object, report: ConversionReport, what: str) -> str | None:
    """A source text as the contract takes it: stripped, None when empty, cut to
    :data:`TEXT_MAX` characters (the cut is counted in the report's notes)."""
    if value is None:
        return None
    result = str(value).strip()
    if not result:
        return None
    if len(result) > TEXT_MAX:
        report.notes[f"{what} cut to {TEXT_MAX} characters"] += 1
        result = result[: TEXT_MAX - 1].rstrip() + "…"
    return result


def key(value: object) -> str | None:
    """A source id as a contract key (1-200 characters, no outer whitespace), or None."""
    if value is None or isinstance(value, bool):
        return None
    result = str(value).strip()
    if not result or len(result) > KEY_MAX:
        return None
    return result


__all__ = ["KEY_MAX", "TEXT_MAX", "files_of", "json_page", "key", "records", "text"]
