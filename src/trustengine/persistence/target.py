"""One place that turns a ``--db`` target string into eventsourcing settings.

- a file path selects the embedded SQLite store (the default is ``./trustengine.db``, or
  ``$TRUSTENGINE_DB`` when set);
- ``:memory:`` selects an in-memory store that lives as long as the process;
- ``postgresql://user[:password]@host[:port]/dbname[?schema=name]`` selects PostgreSQL.
"""

from __future__ import annotations

import base64
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, unquote, urlsplit

from trustengine.exceptions import StoreTargetError

DEFAULT_TARGET = "./trustengine.db"
ENV_VAR = "TRUSTENGINE_DB"
CIPHER_ENV_VAR = "TRUSTENGINE_CIPHER_KEY"
CIPHER_TOPIC = "eventsourcing.cryptography:AESCipher"
MAPPER_TOPIC = "trustengine.persistence.mapper:PydanticMapper"
MEMORY_FACTORY = "trustengine.persistence.recorders:ChainedPOPOFactory"
SQLITE_FACTORY = "trustengine.persistence.recorders:ChainedSQLiteFactory"
POSTGRES_FACTORY = "trustengine.persistence.postgres:ChainedPostgresFactory"

APPLICATION_NAME = "POSTGRES_APPLICATION_NAME"
"""The setting that names our connections to PostgreSQL (``application_name``, as
``pg_stat_activity`` shows it): ``trustengine`` unless set; the CLI sets ``trustengine
COMMAND``. ``$PGAPPNAME``, when set, still wins."""
LOCK_TIMEOUT = 30
"""Seconds a command waits for a lock another connection holds before it gives up."""

Backend = Literal["memory", "sqlite", "postgres"]


@dataclass(frozen=True)
class StoreTarget:
    """A parsed ``--db`` target: which backend, and the settings eventsourcing needs."""

    backend: Backend
    env: dict[str, str]
    display: str
    """The target as it can be shown to a person (no password)."""
    path: Path | None = None
    """The SQLite file, for the SQLite backend."""


def default_target() -> str:
    """``$TRUSTENGINE_DB`` when set and not empty, else ``./trustengine.db``."""
    return os.environ.get(ENV_VAR) or DEFAULT_TARGET


def parse_target(target: str | None, *, cipher_key: str | None = None) -> StoreTarget:
    """Parse a ``--db`` target; raise :class:`StoreTargetError` when it is not one.

    ``cipher_key`` (else ``$TRUSTENGINE_CIPHER_KEY``) turns on encryption at rest: every
    stored payload is encrypted with AES-GCM under that key (base64 of 16, 24 or 32 bytes).
    """
    text = default_target() if target is None else target.strip()
    if not text:
        raise StoreTargetError("the store target is empty: give a file path or a URL")
    base = {"MAPPER_TOPIC": MAPPER_TOPIC, **cipher_settings(cipher_key)}
    if text == ":memory:":
        return StoreTarget("memory", {**base, "PERSISTENCE_MODULE": MEMORY_FACTORY}, text)
    scheme = urlsplit(text).scheme.lower()
    if scheme in ("postgresql", "postgres"):
        return _postgres(text, base)
    if "://" in text:
        raise StoreTargetError(
            f"unknown store target {text!r}: use a file path, ':memory:' or postgresql://..."
        )
    path = Path(text).expanduser()
    if path.is_dir():
        raise StoreTargetError(f"store target {text!r} is a directory, not a database file")
    if not path.parent.is_dir():
        raise StoreTargetError(f"store target {text!r}: folder {str(path.parent)!r} does not exist")
    env = {
        **base,
        "PERSISTENCE_MODULE": SQLITE_FACTORY,
        "SQLITE_DBNAME": str(path),
        **lock_timeout_settings(LOCK_TIMEOUT),
    }
    return StoreTarget("sqlite", env, str(path), path=path)


def lock_timeout_settings(seconds: int) -> dict[str, str]:
    """The eventsourcing settings that bound lock waits to ``seconds`` (1 or more).

    SQLite's busy timeout and PostgreSQL's ``lock_timeout`` (see
    :class:`~trustengine.persistence.postgres.ChainedPostgresFactory`) take the same value.
    """
    if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 1:
        raise StoreTargetError(
            f"the lock timeout must be a whole number of seconds, 1 or more, not {seconds!r}"
        )
    return {"SQLITE_LOCK_TIMEOUT": str(seconds), "POSTGRES_LOCK_TIMEOUT": str(seconds)}


def check_cipher_key(key: str) -> str:
    """``key`` without outer whitespace; raise :class:`StoreTargetError` when it is not
    base64 of 16, 24 or 32 bytes (an empty key included)."""
    key = key.strip()
    if not key:
        raise StoreTargetError("the cipher key is empty (`trustengine keygen` makes one)")
    try:
        size = len(base64.b64decode(key, validate=True))
    except ValueError:
        size = -1
    if size not in (16, 24, 32):
        raise StoreTargetError(
            "the cipher key must be base64 of 16, 24 or 32 random bytes "
            "(`trustengine keygen` makes one)"
        )
    return key


def cipher_settings(cipher_key: str | None) -> dict[str, str]:
    """The eventsourcing settings for encryption at rest with ``cipher_key``, if any.

    None means "no key given": ``$TRUSTENGINE_CIPHER_KEY`` then, when set and not blank.
    A key given but empty is refused, like a malformed one.
    """
    if cipher_key is None:
        cipher_key = os.environ.get(CIPHER_ENV_VAR) or None
        if cipher_key is not None and not cipher_key.strip():
            return {}
    if cipher_key is None:
        return {}
    return {"CIPHER_TOPIC": CIPHER_TOPIC, "CIPHER_KEY": check_cipher_key(cipher_key)}


def _postgres(text: str, base: dict[str, str]) -> StoreTarget:
    parts = urlsplit(text)
    dbname = unquote(parts.path.lstrip("/"))
    if not dbname:
        raise StoreTargetError(f"PostgreSQL target {_redact(text)!r} names no database")
    try:
        port = parts.port or 5432
    except ValueError as error:
        raise StoreTargetError(f"PostgreSQL target {_redact(text)!r}: {error}") from None
    query = parse_qs(parts.query)
    unknown = sorted(set(query) - {"schema"})
    if unknown:
        raise StoreTargetError(
            f"PostgreSQL target {_redact(text)!r}: unknown option(s) {', '.join(unknown)}"
            " (only 'schema' is understood)"
        )
    env = {
        **base,
        "PERSISTENCE_MODULE": POSTGRES_FACTORY,
        # The chain is written in Python beside the insert; the stored-function path would
        # skip it.
        "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
        "POSTGRES_DBNAME": dbname,
        "POSTGRES_HOST": parts.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(port),
        "POSTGRES_USER": unquote(parts.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(parts.password or ""),
        "POSTGRES_CONNECT_TIMEOUT": "5",
    }
    if "schema" in query:
        env["POSTGRES_SCHEMA"] = _schema(query["schema"][-1], text)
    return StoreTarget("postgres", env, _redact(text))


_PLAIN_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
"""A PostgreSQL name that needs no quoting (eventsourcing writes the schema unquoted in
its statements, so a name that would need quotes breaks them)."""


def _schema(name: str, text: str) -> str:
    if _PLAIN_NAME.fullmatch(name) is None:
        raise StoreTargetError(
            f"PostgreSQL target {_redact(text)!r}: schema {name!r} is not a plain name: "
            "use lower-case letters, digits and _, starting with a letter or _ "
            "(at most 63)"
        )
    return name


def _redact(text: str) -> str:
    parts = urlsplit(text)
    if parts.password is None:
        return text
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return parts._replace(netloc=netloc).geturl()


__all__ = [
    "APPLICATION_NAME",
    "CIPHER_ENV_VAR",
    "CIPHER_TOPIC",
    "DEFAULT_TARGET",
    "ENV_VAR",
    "LOCK_TIMEOUT",
    "MAPPER_TOPIC",
    "MEMORY_FACTORY",
    "POSTGRES_FACTORY",
    "SQLITE_FACTORY",
    "Backend",
    "StoreTarget",
    "check_cipher_key",
    "cipher_settings",
    "default_target",
    "lock_timeout_settings",
    "parse_target",
]
