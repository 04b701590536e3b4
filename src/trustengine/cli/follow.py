"""``trustengine follow``: keep a read model current from the store until stopped."""

from __future__ import annotations

import signal
import threading

import click

from trustengine.cli.errors import InputError, handle_errors
from trustengine.cli.options import db_option, views_option
from trustengine.cli.session import open_engine, warn_of_problems
from trustengine.readmodel import ReadModel
from trustengine.readmodel.follow import DEFAULT_POLL, Follower, stop_on_signals


def _events(count: int) -> str:
    return f"{count} event" if count == 1 else f"{count} events"


def _where(model: ReadModel) -> str:
    return "memory" if model.location == ":memory:" else model.location


@click.command(
    epilog="Example: trustengine follow --db postgresql://postgres@127.0.0.1/trust "
    "--views ./trust-views.db"
)
@click.option(
    "--poll",
    type=click.FloatRange(min=0, min_open=True),
    default=DEFAULT_POLL,
    show_default=True,
    metavar="SECONDS",
    help="Catch up at least this often, whether or not a notification came.",
)
@click.option("--once", is_flag=True, help="Catch up once and exit (for cron and scripts).")
@click.option(
    "--listen/--no-listen",
    default=True,
    show_default=True,
    help="On PostgreSQL, wake on the store's NOTIFY as well as polling (--no-listen: poll "
    "only, e.g. behind a pooler that does not pass LISTEN through).",
)
@click.option("-v", "--verbose", is_flag=True, help="Say each batch on stderr.")
@views_option
@db_option
@handle_errors
def follow(
    poll: float, once: bool, listen: bool, verbose: bool, views: str | None, db: str
) -> None:
    """Keep the read model current from the store until stopped (SIGINT or SIGTERM).

    Catches up, then waits: on PostgreSQL for the store's LISTEN/NOTIFY or --poll
    seconds, whichever comes first (a lost notification delays it by one poll at most);
    on SQLite it polls. Every batch commits with its position, so a follower stopped (or
    killed) and started again processes each event exactly once. On SIGINT or SIGTERM it
    finishes the batch in progress, says where it stopped, and exits 0. A store that
    cannot be reached while following is retried, with a line on stderr.
    """
    stop = threading.Event()
    restore = None
    if threading.current_thread() is threading.main_thread():  # only it can take signals
        restore = stop_on_signals(stop, (signal.SIGINT, signal.SIGTERM))
    try:
        # A follower may start before any writer: it may create the store it follows.
        with open_engine(db, create=True) as engine, ReadModel(engine, views) as model:
            if engine.target.backend == "memory" and not once:
                raise InputError(
                    "a :memory: store has no other writers to follow: give an SQLite file or "
                    "a postgresql:// URL, or --once"
                )
            _follow(model, poll=poll, once=once, listen=listen, verbose=verbose, stop=stop)
    finally:
        if restore is not None:
            restore()


def _follow(
    model: ReadModel, *, poll: float, once: bool, listen: bool, verbose: bool, stop: threading.Event
) -> None:
    store = model.engine.target.display

    def batch(count: int, position: int) -> None:
        click.echo(f"{_events(count)}, now at notification {position}", err=True)

    def log(line: str) -> None:
        click.echo(line, err=True)

    follower = Follower(
        model,
        poll=poll,
        listen=listen and not once,
        stop=stop,
        on_batch=batch if verbose else None,
        log=log,
    )
    with follower:
        start = model.position()
        if once:
            count = follower.catch_up()
            click.echo(
                f"Caught up {_events(count)} from {store} into {_where(model)}; "
                f"now at notification {model.position()}."
            )
            warn_of_problems(model)
            return
        follower.open()
        how = "LISTEN/NOTIFY and a poll" if follower.mode == "listen" else "a poll"
        click.echo(
            f"Following {store} into {_where(model)} from notification {start} "
            f"({how} every {poll:g} s)."
        )
        count = follower.run()
    click.echo(f"Stopped at notification {model.position()} ({_events(count)} processed).")


__all__ = ["follow"]
