"""Persistence: SQLAlchemy 2 over SQLite by default, any SQLAlchemy URL otherwise (PostgreSQL
through psycopg is checked in CI).

One engine per application; one session per request, committed when the request succeeds and
rolled back when it fails, so a refused request never leaves a half-applied change. What the
database refuses is the request's error, not a 500: a unique rule broken by a request at the same
moment is the 409 its constraint names (`info={"conflict": ErrorClass}`), a value the database
cannot keep (too long for its column, a NUL character) a 400. No error message carries the
statement's values (SQL parameters, PostgreSQL's DETAIL): they may be password hashes.
"""

from __future__ import annotations

import secrets
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache, partial

from flask import current_app, g, has_app_context
from sqlalchemy import Index, UniqueConstraint, create_engine, delete, event, select, text
from sqlalchemy.exc import DataError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from .errors import Busy, Conflict, InvalidRequest, SimError


class Store:
    """The database of one simulator application."""

    def __init__(self, url: str, metadata, threads: int | None = None) -> None:
        self.url = url
        kwargs: dict = {}
        # A request may hold two connections at once: its own session and a short transaction
        # committed at once (a sign-in's attempt counted before the password is checked). A
        # pool smaller than twice the requests in flight lets them all wait for each other's
        # second connection until the pool's timeout: the pool is sized for the server's
        # threads (`threads`: gunicorn's, 8 unless told), and for an SQLite file (whose
        # connections cost nothing to open, and whose embedded server has a thread per
        # request) it is not bounded at all.
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
            if url in ("sqlite://", "sqlite:///:memory:"):
                kwargs["poolclass"] = StaticPool
            else:
                kwargs["max_overflow"] = -1
        else:
            kwargs["pool_size"] = kwargs["max_overflow"] = threads or 8
        self.engine = create_engine(url, hide_parameters=True, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        if self.engine.dialect.name == "postgresql":
            _postgresql_partial_indexes(metadata)
        self.metadata = metadata
        # Not a method of the store: the listener lives on the engine's dialect, which
        # SQLAlchemy's mappers (as long-lived as the models) keep in their statement caches, so
        # a bound method would keep every store a process ever made, its pool and connections.
        event.listen(self.engine, "handle_error", partial(_refusal, metadata))
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        if not _schema_checked(self.engine, metadata):
            from sqlalchemy import inspect

            empty = not inspect(self.engine).get_table_names()
            metadata.create_all(self.engine)
            if not empty:  # tables all made just now from `metadata` need no check (~12 ms)
                check_schema(self.engine, metadata)
            _remember_schema_checked(self.engine, metadata)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session outside any request (start-up, background jobs, tests)."""
        with self.sessionmaker() as session, session.begin():
            yield session


def _refusal(metadata, context) -> None:
    """What the database refused, as the simulator's error (SQLAlchemy's handle_error)."""
    original, wrapped = context.original_exception, context.sqlalchemy_exception
    for error in (original, wrapped):
        # PostgreSQL's DETAIL, on the lines after its message, quotes the values ("Failing
        # row contains (..., <password hash>, ...)").
        if error is not None and error.args and "\n" in str(error.args[0]):
            error.args = (str(error.args[0]).partition("\n")[0],)
    refusal = refusal_for(original, wrapped, metadata)
    if refusal is not None:
        raise refusal


PARTIAL = "partial_where"  # Index.info: the condition of a partial index (partial_unique_index)


def partial_unique_index(name: str, *columns: str, where: str, **kwargs) -> Index:
    """A unique index over the rows `where` holds, in SQLite and PostgreSQL. PostgreSQL's option
    is set when a store opens a PostgreSQL database: naming it here (`postgresql_where`) would
    import SQLAlchemy's PostgreSQL dialect into every start, about 30 ms of it."""
    index = Index(name, *columns, unique=True, sqlite_where=text(where), **kwargs)
    index.info[PARTIAL] = where
    return index


def _postgresql_partial_indexes(metadata) -> None:
    for table in metadata.tables.values():
        for index in table.indexes:
            if PARTIAL in index.info:
                index.dialect_options["postgresql"]["where"] = text(index.info[PARTIAL])


class SchemaOutOfDate(RuntimeError):
    pass


def check_schema(engine, metadata) -> None:
    """There are no migrations: a database made by an older version of a simulator (a table
    without a column or a unique rule this version needs) stops the start with what to do,
    rather than answering 500 (or keeping duplicates) later. An index that only speeds reads up
    is added where it is missing (create_all adds none to a table that exists): that changes no
    row and cannot fail on the rows there."""
    from sqlalchemy import inspect

    inspector = inspect(engine)
    missing = []
    for table in metadata.sorted_tables:
        indexes = {index["name"] for index in inspector.get_indexes(table.name)}
        for index in table.indexes:
            if not index.unique and index.name not in indexes:
                index.create(engine)
        present = {column["name"] for column in inspector.get_columns(table.name)}
        missing += [f"{table.name}.{c.name}" for c in table.columns if c.name not in present]
        unique = [set(u["column_names"]) for u in inspector.get_unique_constraints(table.name)]
        unique += [set(i["column_names"]) for i in inspector.get_indexes(table.name) if i["unique"]]
        declared = [
            _columns(rule) for rule in _unique_rules(table) if rule is not table.primary_key
        ]
        missing += [
            f"a unique rule on {table.name} ({', '.join(columns)})"
            for columns in declared
            if set(columns) not in unique and set(columns) <= present
        ]
    if missing:
        raise SchemaOutOfDate(
            f"The database at {engine.url.render_as_string(hide_password=True)} was made by an "
            f"older version of this simulator: it lacks {', '.join(missing[:5])}"
            f"{' and more' if len(missing) > 5 else ''}. The simulators have no migrations: "
            "move the file away (or point --database-url elsewhere) and start again."
        )


def _schema_stamp(connection, metadata) -> int:
    """What create_all and check_schema make sure of (the tables, their columns and unique
    rules) together with the schema the SQLite file holds (sqlite_master, which any change to a
    table or an index changes), as a positive 31-bit number."""
    described = [
        (
            t.name,
            sorted(c.name for c in t.columns),
            sorted(sorted(_columns(r)) for r in _unique_rules(t)),
        )
        for t in metadata.sorted_tables
    ]
    held = connection.exec_driver_sql(
        "SELECT type, name, sql FROM sqlite_master ORDER BY type, name"
    ).all()
    return zlib.crc32(repr((described, held)).encode()) & 0x7FFFFFFF or 1


def _schema_checked(engine, metadata) -> bool:
    """An SQLite file keeps in its header's user_version the stamp of the schema a start made
    and checked there: a later start of the same version on the same schema skips both (about
    10 ms of it). A file made or changed by another version, or by hand, has another stamp (0
    when new), and is checked."""
    if engine.dialect.name != "sqlite":
        return False
    with engine.connect() as connection:
        stamp = connection.exec_driver_sql("PRAGMA user_version").scalar()
        return stamp == _schema_stamp(connection, metadata)


def _remember_schema_checked(engine, metadata) -> None:
    if engine.dialect.name == "sqlite":
        with engine.begin() as connection:
            stamp = _schema_stamp(connection, metadata)
            connection.exec_driver_sql(f"PRAGMA user_version = {stamp}")


def _unique_rules(table):
    """The table's primary key, unique constraints and unique indexes."""
    yield table.primary_key
    yield from (c for c in table.constraints if isinstance(c, UniqueConstraint))
    yield from (i for i in table.indexes if i.unique)


def _columns(rule) -> list[str]:
    return [column.name for column in rule.columns]


def _rule(table, columns: list[str]):
    return next((r for r in _unique_rules(table) if set(_columns(r)) == set(columns)), None)


def _rule_named(table, name: str):
    """PostgreSQL names the rule it found broken: as declared, or as it names them by default."""
    for rule in _unique_rules(table):
        default = "pkey" if rule is table.primary_key else "_".join(_columns(rule)) + "_key"
        if name in (rule.name, f"{table.name}_{default}"):
            return rule
    return None


def refusal_for(error, wrapped, metadata) -> SimError | None:
    """The error a request gets for what the database refused (`error`, the driver's own;
    `wrapped`, SQLAlchemy's), or None for a fault of the simulator's (answered 500)."""
    if isinstance(wrapped, DataError) or isinstance(error, UnicodeEncodeError):
        return InvalidRequest(
            "A value is too long for what this simulator keeps, or holds a character it cannot "
            "store (NUL, a lone surrogate)."
        )
    state = getattr(error, "sqlstate", None)  # PostgreSQL (psycopg)
    sqlite = getattr(error, "sqlite_errorname", "")
    if sqlite.startswith("SQLITE_BUSY") or state in ("55P03", "57014"):  # lock or statement timeout
        return Busy()
    if state == "23503" or sqlite == "SQLITE_CONSTRAINT_FOREIGNKEY":
        return Conflict("What this refers to was removed at the same moment. Reload, try again.")
    if state == "23505":
        table = metadata.tables.get(error.diag.table_name)
        rule = _rule_named(table, error.diag.constraint_name) if table is not None else None
    elif sqlite in ("SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"):
        # "UNIQUE constraint failed: groups.tenant_id, groups.name"
        names = [n.partition(".") for n in str(error).partition(": ")[2].split(", ")]
        table = metadata.tables.get(names[0][0])
        rule = _rule(table, [column for _, _, column in names]) if table is not None else None
    else:
        return None
    conflict = rule.info.get("conflict") if rule is not None else None
    if conflict is not None:
        return conflict()
    return Conflict("Another request made the same at the same moment. Reload to see it.")


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers and the one writer proceed together (several server workers); NORMAL
    # synchronisation is durable across a process crash, which is all a simulator needs.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def get_store() -> Store:
    return current_app.extensions["sim_store"]


def db() -> Session:
    """The current request's session."""
    if "sim_db" not in g:
        g.sim_db = get_store().sessionmaker()
    return g.sim_db


def finish_request_session(commit: bool) -> None:
    session = g.pop("sim_db", None) if has_app_context() else None
    if session is None:
        return
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


def add_once(session: Session, model, **key) -> bool:
    """Make an association row exist (granting twice is granting once, and two requests granting
    at the same moment grant once). Whether it was added now."""
    if session.get(model, key) is not None:
        return False
    return insert_new(session, model, [key]) == 1


@lru_cache
def insert_if_absent(model, dialect: str):
    """`INSERT ... ON CONFLICT DO NOTHING` into `model`'s table, built once per table and
    database kind; None where the database has no such statement."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:
        return None
    return insert(model).on_conflict_do_nothing()


def insert_new(session: Session, model, rows: list[dict]) -> int:
    """Insert rows, leaving out those a unique key says exist already (another request may
    insert the same at the same moment): one statement, whatever the number of rows. Returns
    how many were inserted, counted from what the statement returned (PostgreSQL's rowcount
    for ON CONFLICT DO NOTHING is -1)."""
    if not rows:
        return 0
    statement = insert_if_absent(model, session.get_bind().dialect.name)
    if statement is None:  # no portable ON CONFLICT: one savepoint a row (SQLite and
        # PostgreSQL need none: with pysqlite, a savepoint that is a transaction's first write
        # commits on release)
        inserted = 0
        for row in rows:
            try:
                with session.begin_nested():
                    session.add(model(**row))
                inserted += 1
            except Conflict:
                pass
        return inserted
    key = model.__table__.primary_key.columns
    inserted = 0
    for start in range(0, len(rows), 500):  # one multi-row INSERT per 500, within SQLite's
        # limit on bound parameters
        page = statement.values(rows[start : start + 500]).returning(*key)
        inserted += len(session.execute(page).all())
    return inserted


def delete_if_present(session: Session, model, **key) -> bool:
    """Make an association row not exist (withdrawing twice is withdrawing once, and two
    requests withdrawing at the same moment withdraw once). Whether it existed."""
    conditions = [getattr(model, column) == value for column, value in key.items()]
    # A bulk DELETE, not session.delete(): that one fails (StaleDataError) when another request
    # deleted the row first.
    return session.execute(delete(model).where(*conditions)).rowcount > 0


def persistent_secret(
    store: Store, model, name: str, make=lambda: secrets.token_urlsafe(32)
) -> str:
    """A secret generated once and kept in the database, so that every worker of a served
    simulator shares it (session signing keys, the OIDC signing key)."""
    with store.transaction() as session:
        row = session.get(model, name)
        if row is not None:
            return row.value
    try:
        with store.transaction() as session:
            session.add(model(name=name, value=make()))
    except Conflict:
        pass  # another worker won the race; read theirs
    with store.transaction() as session:
        return session.scalars(select(model.value).where(model.name == name)).one()
