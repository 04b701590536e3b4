"""Calendar files: ``projections/calendars/<name>.toml``, read into a :class:`Calendar`.

A calendar file names a zone, the weekend, the working hours of each day and where its
holidays come from (the ``holidays`` package, by country and subdivision, plus dates added
and removed by hand). The file format and each rule: docs/service-levels.md ("Calendars").

A calendar may take a parameter after a colon: ``eu-national:DE`` is the ``eu-national``
file for Germany (its public holidays, its zone from the file's ``[countries]`` table);
``eu-national:DE-BY`` adds Bavaria's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, time
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from trustengine.exceptions import PolicyError
from trustengine.scoring.calendars import WEEKDAYS, Block, Calendar
from trustengine.scoring.policy import load_toml, policy_dir

__all__ = ["calendar_dir", "calendar_path", "load_calendar"]

_BLOCK = re.compile(r"^\s*(?P<start>\d\d:\d\d)\s*-\s*(?P<end>\d\d:\d\d)\s*$")
_MIDNIGHT = "24:00"
_KEYS = {"name", "zone", "weekend", "hours", "holidays", "parameter", "countries"}


def calendar_dir() -> Path:
    """The folder of the shipped calendar files."""
    return policy_dir() / "calendars"


def calendar_path(name: str) -> Path:
    """The file of calendar ``name`` (a stem, ``stem:PARAM`` or a path to a ``.toml``)."""
    candidate = Path(name)
    if candidate.suffix == ".toml" and candidate.is_file():
        return candidate
    shipped = calendar_dir() / f"{name.partition(':')[0]}.toml"
    if shipped.is_file():
        return shipped
    known = sorted(p.stem for p in calendar_dir().glob("*.toml"))
    raise PolicyError(f"no calendar {name!r}; known: {', '.join(known)}")


@cache
def load_calendar(name: str) -> Calendar:
    """Load and check calendar ``name``; raise :class:`PolicyError` naming file and key."""
    path = calendar_path(name)
    _, _, given = name.partition(":")
    parameter = "" if Path(name).suffix == ".toml" else given
    raw = load_toml(str(path))
    return _calendar(raw, path, parameter.strip())


def _calendar(raw: Mapping[str, Any], path: Path, parameter: str) -> Calendar:
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise PolicyError(
            f"{path}: unknown setting {unknown[0]!r}; known: {', '.join(sorted(_KEYS))}"
        )
    name = str(raw.get("name", path.stem))
    zone_name = raw.get("zone")
    source = dict(raw.get("holidays", {}))
    if parameter:
        if "parameter" not in raw:
            raise PolicyError(f"{path}: calendar {path.stem!r} takes no parameter ({parameter!r})")
        country, _, subdivision = parameter.upper().partition("-")
        zones = raw.get("countries", {})
        if country not in zones:
            raise PolicyError(
                f"{path}: countries: no zone for {country!r}; known: {', '.join(sorted(zones))}"
            )
        zone_name = zones[country]
        source["country"] = country
        if subdivision:
            source["subdivision"] = subdivision
        name = f"{name} ({parameter.upper()})"
    weekend = _weekend(raw.get("weekend", ["Sat", "Sun"]), path)
    hours = _hours(raw.get("hours", {}), weekend, path)
    if not any(hours[day] for day in range(len(WEEKDAYS)) if day not in weekend):
        raise PolicyError(f"{path}: hours: the week has no working time")
    return Calendar(
        name=name,
        zone=_zone(zone_name, path) if zone_name else None,
        weekend=weekend,
        hours=hours,
        holiday=_holidays(source, path),
    )


def _zone(text: object, path: Path) -> ZoneInfo:
    try:
        return ZoneInfo(str(text))
    except (ZoneInfoNotFoundError, ValueError):
        raise PolicyError(f"{path}: zone: {text!r} is not an IANA time zone") from None


def _weekend(days: object, path: Path) -> frozenset[int]:
    if not isinstance(days, list) or any(day not in WEEKDAYS for day in days):
        raise PolicyError(f"{path}: weekend: {days!r}: give day names from {', '.join(WEEKDAYS)}")
    return frozenset(WEEKDAYS.index(day) for day in days)


def _hours(
    table: Mapping[str, Any], weekend: frozenset[int], path: Path
) -> tuple[tuple[Block, ...], ...]:
    for key in table:
        if key != "default" and key not in WEEKDAYS:
            raise PolicyError(
                f"{path}: hours.{key}: not a day; use default or {', '.join(WEEKDAYS)}"
            )
    default = table.get("default", [f"00:00-{_MIDNIGHT}"])
    week = []
    for index, day in enumerate(WEEKDAYS):
        given = day in table
        if given and index in weekend and table[day]:
            raise PolicyError(f"{path}: hours.{day}: {day} is a weekend day")
        texts = table[day] if given else ([] if index in weekend else default)
        week.append(_blocks(texts, f"hours.{day if given else 'default'}", path))
    return tuple(week)


def _blocks(texts: object, key: str, path: Path) -> tuple[Block, ...]:
    if not isinstance(texts, list):
        raise PolicyError(f'{path}: {key}: give a list such as ["09:00-12:30", "13:30-17:00"]')
    blocks: list[Block] = []
    for text in texts:
        match = _BLOCK.match(str(text))
        try:
            if match is None:
                raise ValueError
            start = time.fromisoformat(match["start"])
            end = None if match["end"] == _MIDNIGHT else time.fromisoformat(match["end"])
        except ValueError:
            raise PolicyError(f"{path}: {key}: bad block {text!r}: use HH:MM-HH:MM") from None
        if (end is not None and end <= start) or (blocks and _after(blocks[-1]) > start):
            raise PolicyError(
                f"{path}: {key}: block {text!r} must end after it starts and "
                "after the block before it"
            )
        blocks.append(Block(start, end))
    return tuple(blocks)


def _after(block: Block) -> time:
    return time.max if block.end is None else block.end


def _holidays(source: Mapping[str, Any], path: Path) -> Callable[[date], str | None]:
    """A date's holiday name: the ``extra`` dates, else the package's, unless ``removed``."""
    extra = {_date(day, path): str(name) for day, name in dict(source.get("extra", {})).items()}
    removed = {_date(day, path) for day in source.get("removed", [])}
    country = source.get("country")
    table = _country(str(country), source.get("subdivision"), path) if country else None

    def holiday(day: date) -> str | None:
        if day in extra:
            return extra[day]
        if day in removed or table is None:
            return None
        return table(day)

    return holiday


def _country(country: str, subdivision: object, path: Path) -> Callable[[date], str | None]:
    import holidays  # here, not above: only a calendar naming a country needs it (start-up)

    sub = None if subdivision is None else str(subdivision)
    try:
        table = holidays.country_holidays(country, subdiv=sub)
    except NotImplementedError as error:
        where = country + (f"-{sub}" if sub else "")
        raise PolicyError(f"{path}: holidays: no holidays for {where!r} ({error})") from None
    return table.get


def _date(value: object, path: Path) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise PolicyError(f"{path}: holidays: {value!r} is not a date (YYYY-MM-DD)") from None
