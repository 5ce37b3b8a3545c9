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
from typing import Any, Protocol, cast

from sqlalchemy import (
    ARRAY,
    Insert,
    Select,
    String,
    Table,
    Update,
    bindparam,
    event,
    func,
    insert,
    null,
    select,
    update,
)
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from complaints.models import Base


class Writer(Protocol):
    """Writes a new row and new values of a loaded one (:func:`insert_row_and_update`'s shape);
    returns the new row's id."""

    def __call__(self, db: Session, new: Base, loaded: Base, **values: Any) -> int: ...


def table_of(model: type[Base]) -> Table:
    """A model's table, for Core statements."""
    return cast(Table, model.__table__)


def values_of(row: Base) -> dict[str, Any]:
    """The column values of a new row object for a plain insert: every column set on it, a plain
    default (``default=False``) for each one not set, and NULL for the others without a default,
    so rows of one table always bind the same parameters, inside a WITH too (where SQLAlchemy
    applies no defaults)."""
    given = vars(row)
    values: dict[str, Any] = {}
    for column in table_of(type(row)).c:
        if column.key in given:
            values[column.key] = given[column.key]
        elif column.default is not None and column.default.is_scalar:
            values[column.key] = cast(Any, column.default).arg
        elif column.default is None and column.server_default is None and not column.primary_key:
            values[column.key] = None
    return values


_ADOPTED = "complaints.plain_rows.adopted"


def _adopt(db: Session, row: Base) -> None:
    """The session holds a row just inserted as if it had loaded it (unset columns expire); a
    rollback of the transaction takes it out again, as it would an ORM insert."""
    make_transient_to_detached(row)
    db.add(row)
    db.info.setdefault(_ADOPTED, []).append(row)


@event.listens_for(Session, "after_soft_rollback")
def _forget_adopted(db: Session, _transaction: Any) -> None:
    for row in db.info.pop(_ADOPTED, []):
        if row in db:
            db.expunge(row)


@event.listens_for(Session, "after_commit")
def _keep_adopted(db: Session) -> None:
    db.info.pop(_ADOPTED, None)


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


def insert_row(db: Session, row: Base) -> int:
    """Insert one new row object with an integer ``id``; the id is set on it and returned."""
    new_id = int(
        db.connection().execute(_insert_returning_id(table_of(type(row))), values_of(row)).scalar_one()
    )
    cast(Any, row).id = new_id
    _adopt(db, row)
    return new_id


def insert_rows(db: Session, rows: Sequence[Base]) -> None:
    """Insert new row objects, one statement per table (each with all of that table's rows)."""
    for table, values in _by_table(rows).items():
        db.connection().execute(insert(table), values)


def insert_with_children(db: Session, parent: Base, children: Sequence[Base], foreign_key: str) -> int:
    """Insert a new row and new rows that point to it through ``foreign_key`` (set on them here);
    the parent's id is returned. On PostgreSQL one statement, the parent's insert and each child
    table's as data-modifying WITHs (one round trip instead of one per table), each child column
    bound as one array: few enough parameters (at most 50) for psycopg to keep the statement's
    parsed form instead of parsing it again for every case. Elsewhere :func:`insert_row`, then
    :func:`insert_rows`."""
    if db.get_bind().dialect.name != "postgresql":
        parent_id = insert_row(db, parent)
        for child in children:
            setattr(child, foreign_key, parent_id)
        insert_rows(db, children)
        return parent_id
    table = table_of(type(parent))
    # A column left NULL is left out (it is NULL without being named): fewer parameters.
    parent_values = {
        key: value
        for key, value in values_of(parent).items()
        if value is not None or table.c[key].default is not None or table.c[key].server_default is not None
    }
    parameters = {f"p_{key}": value for key, value in parent_values.items()}
    shapes: list[tuple[Table, tuple[str, ...]]] = []
    for child_table, rows in _by_table(children).items():
        keys = tuple(key for key in _same_keys(rows) if key != foreign_key)
        parameters.update({f"c{len(shapes)}_{key}": [row[key] for row in rows] for key in keys})
        shapes.append((child_table, keys))
    statement = _family(table, tuple(parent_values), tuple(shapes), foreign_key)
    parent_id = int(db.connection().execute(statement, parameters).scalar_one())
    cast(Any, parent).id = parent_id
    for child in children:
        setattr(child, foreign_key, parent_id)
    _adopt(db, parent)
    return parent_id


@cache
def _family(
    table: Table, keys: tuple[str, ...], shapes: tuple[tuple[Table, tuple[str, ...]], ...], foreign_key: str
) -> Select[int]:
    """``WITH parent AS (INSERT … RETURNING id), children_0 AS (INSERT INTO t (fk, a, b) SELECT
    parent.id, unnest(:a), unnest(:b) FROM parent) … SELECT parent.id FROM parent``: the unnests
    of one select run side by side, one row per element."""
    parent = (
        insert(table).values({key: bindparam(f"p_{key}") for key in keys}).returning(table.c.id).cte("parent")
    )
    statement = select(parent.c.id)
    for index, (child_table, child_keys) in enumerate(shapes):
        columns = [
            func.unnest(bindparam(f"c{index}_{key}", type_=ARRAY(_unsized(child_table.c[key].type))))
            for key in child_keys
        ]
        source = select(parent.c.id, *columns)
        statement = statement.add_cte(
            insert(child_table).from_select([foreign_key, *child_keys], source).cte(f"children_{index}")
        )
    return statement


def _unsized(column_type: Any) -> Any:
    # An array cast to VARCHAR(16)[] would cut longer values; the column's own type checks them.
    return String() if isinstance(column_type, String) else column_type


def _same_keys(rows: list[dict[str, Any]]) -> dict[str, Any]:
    if any(row.keys() != rows[0].keys() for row in rows):
        raise ValueError("rows of one table must set the same columns")
    return rows[0]


def _by_table(rows: Sequence[Base]) -> dict[Table, list[dict[str, Any]]]:
    by_table: dict[Table, list[dict[str, Any]]] = {}
    for row in rows:
        by_table.setdefault(table_of(type(row)), []).append(values_of(row))
    return by_table


def update_row(db: Session, row: Base, **values: Any) -> None:
    """Write new values to one loaded row (found by its ``id``) and record them on the object as
    its committed state, so the session has nothing left to flush for them."""
    statement = _update_by_id(table_of(type(row)), tuple(values))
    db.connection().execute(statement, _parameters(row, values))
    _committed(row, values)


def insert_row_and_update(db: Session, new: Base, loaded: Base, **values: Any) -> int:
    """:func:`insert_row` of ``new`` and :func:`update_row` of ``loaded`` together: on PostgreSQL
    one statement (the insert as a data-modifying WITH of the update), so a writer holding a lock
    waits on one round trip to the server instead of two; elsewhere the two statements."""
    if db.get_bind().dialect.name != "postgresql":
        new_id = insert_row(db, new)
        update_row(db, loaded, **values)
        return new_id
    return _insert_update_and(db, new, loaded, values, None, {})[0]


def insert_update_and_run(
    db: Session, new: Base, loaded: Base, values: dict[str, Any], then: Update, parameters: dict[str, Any]
) -> Any:
    """PostgreSQL only: :func:`insert_row_and_update` and one more update ``then`` (with its own
    bound ``parameters`` and one RETURNING column) in a single statement; ``then``'s returned
    value, or None if it updated no row (the insert and the update are made either way)."""
    return _insert_update_and(db, new, loaded, values, then, parameters)[1]


def _insert_update_and(
    db: Session,
    new: Base,
    loaded: Base,
    values: dict[str, Any],
    then: Update | None,
    parameters: dict[str, Any],
) -> tuple[int, Any]:
    new_values = values_of(new)
    statement = _insert_update_then(
        table_of(type(new)), tuple(new_values), table_of(type(loaded)), tuple(values), then
    )
    bound = {**_parameters(loaded, values), **parameters}
    bound.update({f"new_{key}": value for key, value in new_values.items()})
    new_id, returned = db.connection().execute(statement, bound).one()
    cast(Any, new).id = int(new_id)
    _adopt(db, new)
    _committed(loaded, values)
    return int(new_id), returned


@cache
def _insert_update_then(
    new_table: Table, new_keys: tuple[str, ...], table: Table, keys: tuple[str, ...], then: Update | None
) -> Select[int, Any]:
    """``WITH inserted AS (INSERT …), updated AS (UPDATE …)[, followed AS (then)] SELECT the new
    id, then's returned value (NULL without ``then``)``."""
    inserted = (
        insert(new_table)
        .values({key: bindparam(f"new_{key}") for key in new_keys})
        .returning(new_table.c.id)
        .cte("inserted")
    )
    updated = _update_by_id(table, keys).returning(table.c.id).cte("updated")
    if then is None:
        return select(select(inserted.c.id).scalar_subquery(), null()).add_cte(inserted).add_cte(updated)
    after = then.cte("followed")
    first = next(iter(after.c))
    return (
        select(select(inserted.c.id).scalar_subquery(), select(first).scalar_subquery())
        .add_cte(inserted)
        .add_cte(updated)
        .add_cte(after)
    )


def _parameters(row: Base, values: dict[str, Any]) -> dict[str, Any]:
    return {"row_id": cast(Any, row).id, **{f"set_{key}": value for key, value in values.items()}}


def _committed(row: Base, values: dict[str, Any]) -> None:
    for key, value in values.items():
        set_committed_value(row, key, value)
