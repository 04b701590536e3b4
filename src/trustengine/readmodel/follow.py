"""Following a store: keep a read model current as events are stored, until told to stop.

A :class:`Follower` catches its :class:`~trustengine.readmodel.ReadModel` up, waits until
something new may have been stored, catches up again, and so on until its ``stop`` event
is set.

Waking up. On PostgreSQL the store's recorder sends ``NOTIFY`` in every insert
transaction (eventsourcing's ``PostgresApplicationRecorder`` does; ours extends it), and
the follower LISTENs on a connection of its own
(:class:`~trustengine.persistence.postgres.Listener`). A notification can be lost: the
listening connection drops, or a connection pooler in transaction mode does not pass
LISTEN through (upstream eventsourcing issue #305 is a subscription stalled that way). So
the follower also polls: it catches up at least every ``poll`` seconds, and a lost
notification delays it by one poll interval at most. Other stores (SQLite) send no
notifications; there the follower polls only, and a poll that finds nothing new costs
one ``max(notification id)`` query.

Exactly once. Each batch's rows and its tracked position commit in one transaction of the
views database (see :mod:`.projector`). Stopping is checked between batches, so a stopped
follower has finished its last batch; one killed mid-batch has it rolled back. Either
way, a follower started again continues from the last committed batch.

Transient trouble. A store that cannot be reached while following (server restarted,
connection dropped, a locked SQLite file) is retried with growing pauses, each said on
``log``; a lost LISTEN connection is reopened the same way, polling meanwhile. Other
errors (a views file built from another store, say) end :meth:`Follower.run`.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any, Literal, Protocol

from eventsourcing.persistence import InterfaceError, OperationalError

from trustengine.readmodel.problems import count_problems, problem_total
from trustengine.readmodel.read_model import ReadModel

DEFAULT_POLL = 5.0
"""Seconds between catch-ups when no notification comes."""
RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0)
"""Pauses before each retry of an unreachable store (the last one repeats)."""
LISTEN_SLICE = 0.2
"""Longest single wait on the LISTEN connection: how soon a stop is noticed there."""
TRANSIENT: tuple[type[Exception], ...] = (OperationalError, InterfaceError)
"""Store errors worth retrying: the server or file may be back in a moment."""

Wait = Callable[[float], object]
"""Block for at most the given seconds, or less when something new may be stored."""
Log = Callable[[str], None]
OnBatch = Callable[[int, int], None]
"""Called after each committed batch with its number of events and the new position."""


class _Listening(Protocol):
    def wait(self, timeout: float) -> bool: ...

    def close(self) -> None: ...


class _Stopped(Exception):
    """Raised between batches when the follower was told to stop (never escapes)."""


class Follower:
    """Keeps ``model`` current from its engine's store until ``stop`` is set.

    ``poll``: catch up at least this often (seconds). ``listen``: on PostgreSQL, also wake
    on the store's notifications (False: poll only). ``stop``: set it (from any thread, or
    a signal handler by way of :func:`stop_on_signals`) to end :meth:`run` after the
    current batch. ``wait``: replaces the waiting between catch-ups (the default listens
    and polls, waking early on ``stop``); tests pass one to run without real time.
    ``on_batch`` hears of every committed batch, ``log`` of retries and reconnections.
    Close it (or use it as a context manager) to close the LISTEN connection; the model
    and its engine stay open.
    """

    def __init__(
        self,
        model: ReadModel,
        *,
        poll: float = DEFAULT_POLL,
        listen: bool = True,
        stop: threading.Event | None = None,
        wait: Wait | None = None,
        on_batch: OnBatch | None = None,
        log: Log | None = None,
        retry_delays: Sequence[float] = RETRY_DELAYS,
    ) -> None:
        if poll <= 0:
            raise ValueError("poll must be a positive number of seconds")
        self.model = model
        self.poll = poll
        self.stop = stop if stop is not None else threading.Event()
        self.on_batch = on_batch
        self.log: Log = log or (lambda _line: None)
        self.retry_delays = tuple(retry_delays) or (0.0,)
        self.processed = 0
        """Events processed since this follower was made."""
        self._wait = wait
        self._channel = _channel(model) if listen and wait is None else None
        self._listener: _Listening | None = None
        self._listen_failures = 0
        self._reconnect_at = 0.0

    @property
    def mode(self) -> Literal["listen", "poll"]:
        """``listen`` when woken by the store's notifications (and polls), else ``poll``."""
        return "listen" if self._channel is not None else "poll"

    def __enter__(self) -> Follower:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def open(self) -> None:
        """Start listening (PostgreSQL, unless told not to); do nothing otherwise.

        :meth:`run` opens by itself; open first to know the follower is listening before
        anything else happens (a notification sent after this is not missed).
        """
        if self._channel is not None and self._listener is None:
            self._connect_listener()

    def close(self) -> None:
        """Stop listening."""
        if self._listener is not None:
            listener, self._listener = self._listener, None
            listener.close()

    # --- following ------------------------------------------------------------------

    def run(self) -> int:
        """Catch up, then again whenever woken, until ``stop`` is set; return how many
        events were processed."""
        self.open()
        start = self.processed
        if not self.stop.is_set():
            self._catch_up_retrying()
        while not self.stop.is_set():
            self.wait(self.poll)
            if self.stop.is_set():
                break
            self._catch_up_retrying()
        return self.processed - start

    def catch_up(self) -> int:
        """Process what is stored beyond the tables, batch by batch; return how many.

        When ``stop`` is set, returns after the batch in progress (leaving the rest).
        Store errors are raised; :meth:`run` retries the transient ones.
        """
        done = 0

        def progress(count: int) -> None:
            nonlocal done
            done += count
            self.processed += count
            if self.on_batch is not None:
                self.on_batch(count, self.model.position())
            if self.stop.is_set():
                raise _Stopped

        with contextlib.suppress(_Stopped):
            self.model.catch_up(progress=progress)
        return done

    def _catch_up_retrying(self) -> int:
        failures = 0
        while True:
            try:
                before = problem_total(self.model.db)
                done = self.catch_up()
                if problem_total(self.model.db) > before:  # said once, when it happens
                    self.log(f"warning: {count_problems(self.model.db).notice()}")
            except TRANSIENT as error:
                delay = self.retry_delays[min(failures, len(self.retry_delays) - 1)]
                failures += 1
                self.log(f"cannot reach the store ({_reason(error)}); retrying in {delay:g} s")
                if self.stop.wait(delay):
                    return 0
                continue
            if failures:
                self.log("the store is reachable again; following")
            return done

    # --- waiting --------------------------------------------------------------------

    def wait(self, timeout: float) -> None:
        """Block until a notification may mean new events, ``stop`` is set, or
        ``timeout`` seconds have passed."""
        if self._wait is not None:
            self._wait(timeout)
            return
        deadline = time.monotonic() + timeout
        while not self.stop.is_set():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            if self._channel is None:
                self.stop.wait(left)
                return
            if self._listener is None:
                if time.monotonic() >= self._reconnect_at and self._connect_listener():
                    return  # listening again: catch up on what came while it was not
                self.stop.wait(min(left, max(0.0, self._reconnect_at - time.monotonic())))
                continue
            try:
                if self._listener.wait(min(LISTEN_SLICE, left)):
                    return
            except OSError as error:
                self.close()
                self._listen_failed(f"lost the LISTEN connection ({error})")

    def _connect_listener(self) -> bool:
        from trustengine.persistence.postgres import Listener

        assert self._channel is not None
        try:
            self._listener = Listener(self.model.engine.target.env, self._channel)
        except OSError as error:
            self._listen_failed(f"cannot LISTEN for new events ({error})")
            return False
        if self._listen_failures:
            self.log("listening for new events again")
        self._listen_failures = 0
        return True

    def _listen_failed(self, what: str) -> None:
        delay = self.retry_delays[min(self._listen_failures, len(self.retry_delays) - 1)]
        self._listen_failures += 1
        self._reconnect_at = time.monotonic() + delay
        self.log(f"{what}; polling every {self.poll:g} s, listening again in {delay:g} s")


def _channel(model: ReadModel) -> str | None:
    """The NOTIFY channel of ``model``'s store, or None when it sends none."""
    if model.engine.target.backend != "postgres":
        return None
    channel: Any = getattr(model.engine.recorder, "channel_name", None)
    return channel if isinstance(channel, str) else None


def _reason(error: BaseException) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return "; ".join(lines) or type(error).__name__


def stop_on_signals(stop: threading.Event, signals: Sequence[int]) -> Callable[[], None]:
    """Set ``stop`` when one of ``signals`` arrives; return a function that puts the
    previous handlers back. Only the main thread can install handlers.

    The handler sets the event from a short-lived thread: a signal handler runs in the
    main thread between two bytecodes, possibly while that thread holds the event's
    internal lock inside ``Event.wait``, and setting it there would deadlock.
    """
    import signal

    def handle(_signum: int, _frame: object) -> None:
        threading.Thread(target=stop.set, daemon=True).start()

    previous = {number: signal.signal(number, handle) for number in signals}

    def restore() -> None:
        for number, handler in previous.items():
            signal.signal(number, handler)

    return restore


__all__ = ["DEFAULT_POLL", "RETRY_DELAYS", "Follower", "stop_on_signals"]
