"""Schemathesis against the station API's OpenAPI schema: generated requests (valid and invalid)
never get a 5xx, every response matches the schema and invalid data is refused.
Examples per operation: 25 in the normal run; set OASIS_SCHEMATHESIS_EXAMPLES to raise it."""

from __future__ import annotations

import os

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from admin_web import db, db_migrations
from admin_web.app import create_app
from tests.admin_support import pair

EXAMPLES = int(os.environ.get("OASIS_SCHEMATHESIS_EXAMPLES", "25"))


@pytest.fixture(scope="module")
def station_app(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    engine = db.make_engine(f"sqlite:///{tmp_path_factory.mktemp('schema') / 'admin.sqlite'}")
    db_migrations.migrate(engine)
    app = create_app(engine, retention=False)
    with TestClient(app) as client:
        token = pair(client, engine, "room-1")
    return app, token


OPERATIONS = [
    ("POST", "/api/v1/pair"),
    ("POST", "/api/v1/sessions"),
    ("POST", "/api/v1/heartbeat"),
    ("POST", "/api/v1/officer-history"),
    ("GET", "/api/v1/configuration"),
    ("POST", "/api/v1/diagnostics"),
    ("POST", "/api/v1/officer-pin"),
    ("POST", "/api/v1/reminder-counts"),
]


def test_schema_lists_exactly_the_station_operations(station_app) -> None:  # type: ignore[no-untyped-def]
    paths = station_app[0].openapi()["paths"]
    assert sorted((m.upper(), p) for p, ops in paths.items() for m in ops) == sorted(OPERATIONS)


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_station_api_never_5xx(station_app, method: str, path: str) -> None:  # type: ignore[no-untyped-def]
    app, token = station_app
    operation = schemathesis.openapi.from_asgi("/openapi.json", app)[path][method]

    @given(case=operation.as_strategy())
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case) -> None:  # type: ignore[no-untyped-def]
        # Every check but positive-data acceptance: the API also refuses some schema-valid payloads
        # on meaning (timestamps outside 2000..2100, metric names that are not plain tokens), with 422.
        case.call_and_validate(
            headers={"Authorization": f"Bearer {token}"}, excluded_checks=[positive_data_acceptance]
        )

    check()
