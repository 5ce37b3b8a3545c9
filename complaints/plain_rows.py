"""New and changed rows as plain statements, for the few writes every submission makes.

The ORM's unit of work (change tracking, flush planning, one flush per autoflush) costs more than
the statements themselves on the citizen's hot path: filing a case and appending its audit entry.
These helpers run the statements at once on the session's connection and then leave the session
holding the objects as if it had loaded them, so the rest of the request (and any later ORM code)
sees ordinary persistent objects with the values just written.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, cast

from sqlalchemy import Insert, Table, Update, bindparam, insert, select, update
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from complaints.models import Base


def table_of(model: type[Base]) -> Table:
    """A model's table, for Core statements."""
    return cast(Table, model.__table__)


def values_of(row: Base) -> dict[str, Any]:
    """The column values of a new row object for a plain insert: every column set on it, and every
    column without a default (as NULL), so rows of one table always bind the same parameters."""
    given = vars(row)
    return {
        column.key: given.get(column.key)
        for column in table_of(type(row)).c
        if column.key in given
        or (column.default is None and column.server_default is None and not column.primary_key)
    }


def _adopt(db: Session, row: Base) -> None:
    """The session holds a row just inserted as if it had loaded it (unset columns expire)."""
    make_transient_to_detached(row)
    db.add(row)


# Each statement is built once per shape (table and columns) with bound parameters, then executed
# with the values: building an insert with its values inside, and computing its cache key, cost
# more than running it.
@cache
def _insert_returning_id(table: Table) -> Insert:
    return insert(table).returning(table.c.id)


@cache
def _update_by_id(table: Table, keys: tuple[str, ...]) -> Update:
    return (
        update(table)
        .where(table.c.id == bindparam("row_id"))
        .values({key: bindparam(f"set_{key}") for key in keys})
    )


@cache
def _insert_with_update(
    new_table: Table, new_keys: tuple[str, ...], table: Table, keys: tuple[str, ...]
) -> Update:
    inserted = (
        insert(new_table)
        .values({key: bindparam(f"new_{key}") for key in new_keys})
        .returning(new_table.c.id)
        .cte("inserted")
    )
    return _update_by_id(table, keys).returning(select(inserted.c.id).scalar_subquery()).add_cte(inserted)


def insert_row(db: Session, row: Base) -> int:
    """Insert one new row object with an integer ``id``; the id is set on it and returned."""
    new_id = int(db.execute(_insert_returning_id(table_of(type(row))), values_of(row)).scalar_one())
    cast(Any, row).id = new_id
    _adopt(db, row)
    return new_id


def insert_rows(db: Session, rows: Sequence[Base]) -> None:
    """Insert new row objects, one statement per table (each with all of that table's rows)."""
    by_table: dict[Table, list[dict[str, Any]]] = {}
    for row in rows:
        by_table.setdefault(table_of(type(row)), []).append(values_of(row))
    for table, values in by_table.items():
        db.execute(insert(table), values)


def update_row(db: Session, row: Base, **values: Any) -> None:
    """Write new values to one loaded row (found by its ``id``) and record them on the object as
    its committed state, so the session has nothing left to flush for them."""
    statement = _update_by_id(table_of(type(row)), tuple(values))
    db.execute(statement, _parameters(row, values))
    _committed(row, values)


def insert_row_and_update(db: Session, new: Base, loaded: Base, **values: Any) -> int:
    """:func:`insert_row` of ``new`` and :func:`update_row` of ``loaded`` together: on PostgreSQL
    one statement (the insert as a data-modifying WITH of the update), so a writer holding a lock
    waits on one round trip to the server instead of two; elsewhere the two statements."""
    if db.get_bind().dialect.name != "postgresql":
        new_id = insert_row(db, new)
        update_row(db, loaded, **values)
        return new_id
    new_values = values_of(new)
    statement = _insert_with_update(
        table_of(type(new)), tuple(new_values), table_of(type(loaded)), tuple(values)
    )
    parameters = _parameters(loaded, values)
    parameters.update({f"new_{key}": value for key, value in new_values.items()})
    new_id = int(db.execute(statement, parameters).scalar_one())
    cast(Any, new).id = new_id
    _adopt(db, new)
    _committed(loaded, values)
    return new_id


def _parameters(row: Base, values: dict[str, Any]) -> dict[str, Any]:
    return {"row_id": cast(Any, row).id, **{f"set_{key}": value for key, value in values.items()}}


def _committed(row: Base, values: dict[str, Any]) -> None:
    for key, value in values.items():
        set_committed_value(row, key, value)
