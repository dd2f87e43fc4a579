"""Persistence: SQLAlchemy 2 over SQLite by default, any SQLAlchemy URL otherwise.

One engine per application; one session per request, committed when the request succeeds and
rolled back when it fails, so a refused request never leaves a half-applied change.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from flask import current_app, g, has_app_context
from sqlalchemy import create_engine, event, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from .errors import InvalidRequest
from .validation import unstorable


class Store:
    """The database of one simulator application."""

    def __init__(self, url: str, metadata) -> None:
        self.url = url
        kwargs: dict = {}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
            if url in ("sqlite://", "sqlite:///:memory:"):
                kwargs["poolclass"] = StaticPool
        self.engine = create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            event.listen(self.engine, "connect", _sqlite_pragmas)
        event.listen(self.engine, "before_cursor_execute", _refuse_unstorable_text)
        self.metadata = metadata
        self.sessionmaker = sessionmaker(self.engine, expire_on_commit=False)
        metadata.create_all(self.engine)
        check_schema(self.engine, metadata)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session outside any request (start-up, background jobs, tests)."""
        with self.sessionmaker() as session, session.begin():
            yield session


class SchemaOutOfDate(RuntimeError):
    pass


def check_schema(engine, metadata) -> None:
    """There are no migrations: a database made by an older version of a simulator (a table
    without a column this version needs) stops the start with what to do, rather than
    answering 500 later."""
    from sqlalchemy import inspect

    inspector = inspect(engine)
    missing = []
    for table in metadata.sorted_tables:
        present = {column["name"] for column in inspector.get_columns(table.name)}
        missing += [f"{table.name}.{c.name}" for c in table.columns if c.name not in present]
    if missing:
        raise SchemaOutOfDate(
            f"The database at {engine.url.render_as_string(hide_password=True)} was made by an "
            f"older version of this simulator: it lacks {', '.join(missing[:5])}"
            f"{' and more' if len(missing) > 5 else ''}. The simulators have no migrations: "
            "move the file away (or point --database-url elsewhere) and start again."
        )


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers and the one writer proceed together (several server workers); NORMAL
    # synchronisation is durable across a process crash, which is all a simulator needs.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _refuse_unstorable_text(conn, cursor, statement, parameters, context, executemany) -> None:
    """No text a database here cannot take reaches one, whatever it came from (a lookup by a
    path parameter, a form field, a credential): PostgreSQL refuses a NUL (a 500 there) and no
    driver encodes an unpaired surrogate. What a domain checks first (sim_common.validation) is
    refused with its field named; this refuses the rest, the same on every database."""
    for value in _bound_values(parameters):
        if isinstance(value, str) and (problem := unstorable(value)):
            raise InvalidRequest(f"A value in the request {problem}: nothing here has it.")


def _bound_values(parameters):
    """Every value bound to a statement, however the driver takes them: a mapping or a tuple,
    or a list of either (executemany), or a flat list (SQLAlchemy's insertmanyvalues)."""
    for item in parameters if isinstance(parameters, list | tuple) else (parameters,):
        if isinstance(item, Mapping):
            yield from item.values()
        elif isinstance(item, list | tuple):
            yield from item
        else:
            yield item


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


def add_once(session: Session, model, **key) -> None:
    """Make an association row exist (granting twice is granting once, and two requests granting
    at the same moment grant once)."""
    if session.get(model, key) is None:
        insert_new(session, model, [key])


def insert_new(session: Session, model, rows: list[dict]) -> int:
    """Insert rows, leaving out those a unique key says exist already (another request may
    insert the same at the same moment): one statement, whatever the number of rows. Returns
    how many were inserted."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # no portable ON CONFLICT: one savepoint a row (SQLite and PostgreSQL need none:
        # with pysqlite, a savepoint that is a transaction's first write commits on release)
        inserted = 0
        for row in rows:
            try:
                with session.begin_nested():
                    session.add(model(**row))
                inserted += 1
            except IntegrityError:
                pass
        return inserted
    inserted = 0
    for start in range(0, len(rows), 500):  # one multi-row INSERT per 500, within SQLite's
        # limit on bound parameters
        statement = insert(model).values(rows[start : start + 500]).on_conflict_do_nothing()
        inserted += session.execute(statement).rowcount
    return inserted


def delete_if_present(session: Session, model, **key) -> None:
    """Make an association row not exist (withdrawing twice is withdrawing once)."""
    row = session.get(model, key)
    if row is not None:
        session.delete(row)
        session.flush()


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
    except IntegrityError:
        pass  # another worker won the race; read theirs
    with store.transaction() as session:
        return session.scalars(select(model.value).where(model.name == name)).one()
