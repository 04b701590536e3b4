"""``trustengine report``: the figures a support lead runs the month on.

Parses the window, catches the read model up, asks :func:`trustengine.report.build_report`
and renders: text by default, ``--json``, and ``--html FILE`` for a self-contained page.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import click

from trustengine.cli.errors import InputError, handle_errors
from trustengine.cli.files import write_whole
from trustengine.cli.options import current_calendar, db_option, views_option
from trustengine.cli.session import caught_up, open_engine
from trustengine.domain.times import parse_time
from trustengine.exceptions import InvalidTimeError
from trustengine.report import report_html, report_text
from trustengine.report.window import GROUPINGS, Window


def _moment(option: str, text: str | None, *, end_of_day: bool) -> datetime | None:
    """A window bound typed on the command line; a bare date is the start (``--since``) or
    the end (``--until``) of that day. Bad text is one line naming the option."""
    if text is None:
        return None
    try:
        return parse_time(text, end_of_day=end_of_day, calendar=current_calendar())
    except InvalidTimeError as error:
        raise InputError(f"{option}: {error}") from None


@click.command(epilog="Example: trustengine report --since 2026-03-01 --by week --html report.html")
@click.option(
    "--since", metavar="TIME", help="Business time the window starts (a date: its start)."
)
@click.option("--until", metavar="TIME", help="Business time the window ends (a date: its end).")
@click.option(
    "--by",
    type=click.Choice(GROUPINGS),
    default="month",
    show_default=True,
    help="Group periods by ISO week or calendar month (UTC).",
)
@click.option("--json", "as_json", is_flag=True, help="Output one JSON object.")
@click.option(
    "--html",
    "html_path",
    type=click.Path(path_type=Path),
    metavar="FILE",
    help="Also write a self-contained HTML page with charts to FILE, and print its path.",
)
@views_option
@db_option
@handle_errors
def report(
    since: str | None,
    until: str | None,
    by: str,
    as_json: bool,
    html_path: Path | None,
    views: str | None,
    db: str,
) -> None:
    """Report recurring issues, NPS and CSAT, recovery, response times, SLA compliance,
    promises kept, compensation, hand-offs and the recovery paradox.

    Events count in the period of their business time (in UTC); --since and --until
    bound it, both inclusive. Figures come from the read model, caught up first; the
    trust-score distribution (in --json and --html) is everyone's current score.
    """
    start = _moment("--since", since, end_of_day=False)
    end = _moment("--until", until, end_of_day=True)
    Window(start, end, by)  # a backwards window fails before any work
    with open_engine(db, views=views) as engine:
        found = caught_up(engine).report(since=start, until=end, by=by).model_dump(mode="json")
    if html_path is not None:
        page = report_html(found, calendar=current_calendar())
        write_whole("--html", html_path, page, private=False)
    if as_json:
        click.echo(json.dumps(found, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False))
    elif html_path is not None:
        click.echo(str(html_path))
    else:
        click.echo(report_text(found, calendar=current_calendar()), nl=False)


__all__ = ["report"]
