"""The blocks' UNION ALL run on the DBAPI cursor: compiled once per shape and dialect.

SQLAlchemy's per-call and per-row result handling cost more than the query itself
(bench/dedupe.py), so this one hot statement goes to the driver directly, in the session's
transaction ("Working with the DBAPI cursor directly":
docs.sqlalchemy.org/en/20/core/connections.html), and comes back as light named tuples.
"""

from __future__ import annotations

import weakref
from collections import namedtuple
from functools import lru_cache, partial
from typing import Any, NamedTuple

from sqlalchemy import Dialect, bindparam, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from pipeline.models import Report


class _Statement(NamedTuple):
    """The blocks of one shape compiled for one dialect: the driver's SQL and how to bind it."""

    sql: str
    order: list[str] | None  # the placeholders' names in order for a positional paramstyle
    stamps: dict[str, Any]  # timestamp name -> the column type's bind processor


#: Compiled statements per dialect (an engine's dialect lives as long as the engine).
_compiled: weakref.WeakKeyDictionary[Dialect, dict[tuple[str, ...], _Statement]] = (
    weakref.WeakKeyDictionary()
)


def _statement(dialect: Dialect, parts: tuple[str, ...]) -> _Statement:
    """The UNION ALL of the blocks compiled with the connection's dialect, once per shape.

    Compiling renders the driver's paramstyle (sqlite3: qmark; psycopg: pyformat, with a
    timestamptz cast) and the positional order (SQLCompiler.positiontup). Timestamps are bound
    as SQLAlchemy binds them: the column type's TypeEngine.dialect_impl(dialect).bind_processor
    (docs.sqlalchemy.org/en/20/core/type_api.html); SQLite stores naive UTC text with
    microseconds, PostgreSQL gets the aware datetime.
    """
    cache = _compiled.setdefault(dialect, {})
    if (found := cache.get(parts)) is None:
        sql = " UNION ALL ".join(parts)
        stamp = Report.__table__.c.created_at.type  # type: ignore[attr-defined]
        stamped = [n for n in ("since", "own_since") if f":{n} " in sql]
        clause = text(sql).bindparams(*(bindparam(n, type_=stamp) for n in stamped))
        compiled = clause.compile(dialect=dialect)
        processors = {n: stamp.dialect_impl(dialect).bind_processor(dialect) for n in stamped}
        stamps = {n: f for n, f in processors.items() if f is not None}
        order = list(compiled.positiontup or ()) if compiled.positional else None
        found = cache[parts] = _Statement(compiled.string, order, stamps)
    return found


@lru_cache(maxsize=64)
def _row_type(names: tuple[str, ...]) -> Any:
    """A light row with attribute access (row.id, row.own) for one result's columns."""
    return namedtuple("BlockedRow", names)  # noqa: PYI024 - names known only at run time


def fetch(session: Session, parts: tuple[str, ...], params: dict[str, Any]) -> list[Any]:
    """Every row of the blocks `parts` (SQL with :name parameters), as named tuples."""
    connection = session.connection()
    dialect, statement = connection.dialect, _statement(connection.dialect, parts)
    values: Any = params | {n: bind(params[n]) for n, bind in statement.stamps.items()}
    if statement.order is not None:  # qmark; named styles ignore the names they do not use
        values = [values[n] for n in statement.order]
    cursor = connection.connection.cursor()
    try:
        cursor.execute(statement.sql, values)
        make = partial(tuple.__new__, _row_type(tuple(c[0] for c in cursor.description)))
        fetched = cursor.fetchall()
    except dialect.loaded_dbapi.Error as exc:  # raised as SQLAlchemy would (sqlalchemy.exc)
        gone = dialect.is_disconnect(exc, connection.connection.dbapi_connection, cursor)
        if gone:
            connection.invalidate(exc)
        # Parameters hidden: they hold the citizen's conversation (a phone number).
        base = dialect.loaded_dbapi.Error
        raise DBAPIError.instance(statement.sql, None, exc, base, True, gone, dialect) from exc
    finally:
        cursor.close()
    return list(map(make, fetched))
