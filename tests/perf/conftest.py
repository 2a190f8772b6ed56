"""Counting the SQL statements a page sends."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from werkzeug.exceptions import MethodNotAllowed, NotFound


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            self.statements.append(statement)


@pytest.fixture
def count_queries(db):
    """``count_queries(client, path)`` → the SQL statements of one GET of ``path``
    (after a first, uncounted request that warms the caches).

    The tests share one database session with the app: it is emptied before
    each request, as a new request's session would be, so that no object the
    test made is found in it without a query. Objects the test holds are
    detached afterwards: reload them by id."""
    engine = db.engine

    def _count(client, path: str, expect_text: str | None = None) -> int:
        db.session.flush()
        db.session.expunge_all()
        first = client.get(path)
        assert first.status_code == 200, (path, first.status_code)
        if expect_text is not None:
            assert expect_text in first.get_data(as_text=True)
        db.session.expunge_all()
        counter = StatementCounter()
        sa.event.listen(engine, "before_cursor_execute", counter)
        try:
            response = client.get(path)
        finally:
            sa.event.remove(engine, "before_cursor_execute", counter)
        assert response.status_code == 200, (path, response.status_code)
        return len(counter.statements)

    return _count


def route_exists(app, path: str) -> bool:
    adapter = app.url_map.bind("localhost")
    try:
        adapter.match(path, method="GET")
    except (NotFound, MethodNotAllowed):
        return False
    return True


def make_tenders(count: int) -> None:
    """``count`` published calls for tenders, made by the procurement factories."""
    try:
        from tests.factories.tenders import TenderFactory
    except ImportError:
        pytest.skip("no tender factory yet")
    for i in range(count):
        TenderFactory(title=f"Marché public numéro {i}", buyer_organisation__name=f"Commune numéro {i}")
