"""CPU of a rebuild, stage by stage, without a profiler's per-call cost.

Run ``TRUSTENGINE_FUTURE_TOLERANCE=30000d python benchmarks/rebuild_stages.py COPY.db``
on a copy of a store (it rebuilds it in place): ``trustengine rebuild`` in this process,
with ``time.process_time`` taken around a few stages only (decoding, the trust model's
``apply``, each projection's handlers, the view state, the row flush: the rows' values
with their sealing, and the ``executemany``), so that small calls are not overstated as
under cProfile. Wrapping a handler costs about 0.3 us a call, which the handlers' figures
include. It prints each stage's CPU seconds, share and microseconds an event.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from time import process_time
from typing import Any

SPENT: Counter[str] = Counter()


def timed(cls: type[Any], name: str, label: str) -> None:
    found = getattr(cls, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = process_time()
        try:
            return found(*args, **kwargs)
        finally:
            SPENT[label] += process_time() - start

    setattr(cls, name, wrapper)


def instrument() -> None:
    from trustengine.readmodel import buffer, projection, projector, setaside
    from trustengine.scoring import trust

    timed(setaside.SetAside, "decode", "decode (payload, unsealing, validation)")
    timed(trust.TrustModel, "apply", "trust model apply")
    timed(projector.Projector, "_flush_states", "view state (encode, customers row)")

    def write(self: Any, name: str, rows: Iterable[dict[str, Any]]) -> int:
        table = self.tables[name]
        start = process_time()
        columns = tuple(table.columns)
        values = buffer.sealed_values(self.personal, name, columns) or table.values()
        found = [values(row) for row in rows]
        middle = process_time()
        if found:
            self.db.conn.executemany(self._insert[name], found)
        SPENT[f"flush: values and sealing, {name}"] += middle - start
        SPENT[f"flush: executemany, {name}"] += process_time() - middle
        return len(found)

    buffer.RowBuffer._write = write  # type: ignore[method-assign]

    handlers = projection.Dispatch.__call__
    wrapped: dict[type[Any], tuple[Callable[..., None], ...]] = {}

    def dispatch(self: Any, event_class: type[Any]) -> tuple[Callable[..., None], ...]:
        found = wrapped.get(event_class)
        if found is None:
            found = wrapped[event_class] = tuple(_timed(h) for h in handlers(self, event_class))
        return found

    projection.Dispatch.__call__ = dispatch  # type: ignore[method-assign]


def _timed(handler: Callable[..., None]) -> Callable[..., None]:
    owner = type(getattr(handler, "__self__", None)).__name__
    label = f"handler {owner}.{getattr(handler, '__name__', '?')}"

    def wrapper(event: Any, change: Any) -> None:
        start = process_time()
        try:
            handler(event, change)
        finally:
            SPENT[label] += process_time() - start

    return wrapper


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("store", help="a COPY of a store: it is rebuilt in place")
    parser.add_argument("--events", type=int, default=0, help="events in it (default: asked)")
    parser.add_argument("--floor", type=float, default=0.02, help="seconds a line shows")
    args = parser.parse_args()
    instrument()
    from trustengine.cli import main as cli

    sys.argv = ["trustengine", "rebuild", "--db", args.store]
    start = process_time()
    try:
        cli()
    except SystemExit as end:
        if end.code:
            raise
    total = process_time() - start
    events = args.events or _events(args.store)
    print(f"rebuild in process: {total:.2f} s CPU, {1e6 * total / events:.1f} us an event")
    for label, spent in SPENT.most_common():
        if spent >= args.floor:
            share = 100 * spent / total
            print(f"{label:50s} {spent:6.2f} s {share:5.1f}% {1e6 * spent / events:6.1f} us")


def _events(store: str) -> int:
    import sqlite3

    with sqlite3.connect(store) as conn:
        return int(conn.execute("SELECT count(*) FROM stored_events").fetchone()[0])


if __name__ == "__main__":
    main()
