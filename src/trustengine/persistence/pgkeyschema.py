"""A PostgreSQL key schema whose name earlier versions cut short: kept, moved once, or
refused (see docs/keys.md, "The key schema's name").

Before the hashed names (:func:`~.keystore.keys_schema`), a store schema whose
``<schema>_keys`` is longer than PostgreSQL's 63 bytes had its keys in that name cut to
fit, so every store schema with the same first 58 bytes shared one key schema. On open,
under the lock that creating the cut schema takes too:

- the cut schema is missing, or empty while the new one exists: nothing to do;
- it holds keys or erasing marks and no other schema could share it (no other schema of
  the database whose name cuts to it, other than key schemas): it is renamed to the new
  name, in the open's transaction, so it moves whole (keys, marks, wrapping) or not at all,
  and once only (afterwards it is missing);
- it holds keys and another store schema cuts to it too, or the new schema holds keys as
  well: whose keys they are cannot be told, so the open is refused, naming the schemas
  and the way out (``--keys`` naming the schema).
"""

from __future__ import annotations

from typing import Any

from psycopg.sql import SQL, Identifier

from trustengine.exceptions import KeyStoreError

_HAS_KEYS_TABLE = "SELECT to_regclass(format('%%I.customer_keys', %s::text)) IS NOT NULL"


def settle_cut_schema(conn: Any, schema: str, cut: str, owner: str) -> None:
    """Move the keys of store schema ``owner`` from ``cut`` to ``schema`` when that is
    safe; raise :class:`KeyStoreError` when it cannot be. Inside the caller's
    transaction, which holds ``cut``'s advisory lock."""
    if not _has_table(conn, cut):
        return
    used = conn.execute(
        SQL(
            "SELECT EXISTS (SELECT 1 FROM {cut}.customer_keys) "
            "OR EXISTS (SELECT 1 FROM {cut}.erasing)"
        ).format(cut=Identifier(cut))
    ).fetchone()[0]
    if _has_table(conn, schema):
        if used:
            raise KeyStoreError(
                f"the key schemas {cut!r} and {schema!r} both hold keys of store schema "
                f"{owner!r}: {cut!r} is its key schema's name cut to PostgreSQL's 63 bytes "
                "by an older trustengine, which still wrote there after this version moved "
                f"it; stop the older version, and merge the keys by hand (see docs/keys.md, "
                '"The key schema\'s name")'
            )
        return
    if not used:
        return  # an empty schema: the new name gets a fresh key store, nothing moves
    sharing = [name for name in _schemas(conn) if name not in (owner, cut) and _cuts_to(name, cut)]
    sharing = [name for name in sharing if not _has_table(conn, name)]
    if sharing:
        others = ", ".join(repr(name) for name in sorted(sharing))
        raise KeyStoreError(
            f"the key schema {cut!r} may be shared by store schema {owner!r} and {others}: "
            "PostgreSQL names are 63 bytes at most, and an older trustengine cut "
            "<schema>_keys to fit, so schemas with the same first 58 bytes got one key "
            "schema, and whose keys it holds cannot be told; give the store its keys "
            f"explicitly (--keys with ?schema={cut}) and move the other's out (see "
            'docs/keys.md, "The key schema\'s name")'
        )
    conn.execute(SQL("ALTER SCHEMA {} RENAME TO {}").format(Identifier(cut), Identifier(schema)))


def _has_table(conn: Any, schema: str) -> bool:
    return bool(conn.execute(_HAS_KEYS_TABLE, (schema,)).fetchone()[0])


def _schemas(conn: Any) -> list[str]:
    return [row[0] for row in conn.execute("SELECT nspname FROM pg_namespace")]


def _cuts_to(name: str, cut: str) -> bool:
    """Whether an older trustengine gave store schema ``name`` the key schema ``cut``."""
    room = len(cut.encode()) - len(b"_keys")
    return len(name.encode()) + len(b"_keys") > 63 and name.encode()[:room] == cut.encode()[:room]


__all__ = ["settle_cut_schema"]
