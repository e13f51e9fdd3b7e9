"""Passwords in the admin UI: an admin resets a forgotten one, everybody changes their own; each
ends the affected logins and is audited; the account page needs the current password."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from test_admin_authz import PASSWORD, csrf_of, fresh, login, template_db  # noqa: F401  (fixtures)

from admin_web import db

NEW = "battery-staple-42"


def _login_status(app, name: str, password: str) -> int:  # type: ignore[no-untyped-def]
    client = TestClient(app, follow_redirects=False)
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    return client.post("/login", data={"username": name, "password": password, "csrf": csrf}).status_code


def _audit(engine) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        rows = conn.execute(select(db.audit.c.actor, db.audit.c.action, db.audit.c.target))
        return [tuple(r) for r in rows]


def test_admin_resets_a_forgotten_password(fresh, template_db: dict) -> None:  # noqa: F811
    app, engine = fresh
    tech = login(app, "tech")
    admin = login(app, "boss")
    assert tech.get("/stations").status_code == 200
    reset = f"/users/{template_db['tech_id']}/password"
    short = admin.post(reset, data={"csrf": csrf_of(admin), "password": "short"})
    assert short.status_code == 400 and "8" in short.text
    done = admin.post(reset, data={"csrf": csrf_of(admin), "password": NEW})
    assert done.status_code == 303
    assert tech.get("/stations").headers["location"] == "/login"  # the old login has ended
    assert _login_status(app, "tech", PASSWORD) == 401
    assert _login_status(app, "tech", NEW) == 303
    assert ("boss", "reset_password", "tech") in _audit(engine)
    with engine.connect() as conn:  # an admin's own password is changed on the account page instead
        own = conn.execute(select(db.users.c.id).where(db.users.c.name == "boss")).scalar_one()
    refused = admin.post(f"/users/{own}/password", data={"csrf": csrf_of(admin), "password": NEW})
    assert refused.status_code == 409
    with engine.connect() as conn:
        stored = conn.execute(select(db.users.c.password_hash).where(db.users.c.name == "tech")).scalar_one()
    assert stored.startswith("$argon2id$") and NEW not in stored


def test_everybody_changes_their_own_password(fresh) -> None:  # noqa: F811
    app, engine = fresh
    other_login = login(app, "tech")
    me = login(app, "tech")
    page = me.get("/account")
    assert page.status_code == 200 and 'name="current"' in page.text

    def change(current: str, password: str, confirm: str):  # type: ignore[no-untyped-def]
        data = {"csrf": csrf_of(me), "current": current, "password": password, "confirm": confirm}
        return me.post("/account/password", data=data)

    assert change("wrong-password", NEW, NEW).status_code == 400
    assert change(PASSWORD, NEW, NEW + "x").status_code == 400
    assert change(PASSWORD, "short", "short").status_code == 400
    assert _login_status(app, "tech", PASSWORD) == 303  # nothing changed so far
    done = change(PASSWORD, NEW, NEW)
    assert done.status_code == 200 and "密码已修改" in done.text
    assert me.get("/stations").status_code == 200  # this login stays
    assert other_login.get("/stations").headers["location"] == "/login"  # the other one ended
    assert _login_status(app, "tech", NEW) == 303
    actions = [a for actor, a, _ in _audit(engine) if actor == "tech"]
    assert "change_password_failed" in actions and "change_password" in actions
    assert all(NEW not in target and PASSWORD not in target for _, _, target in _audit(engine))


def test_a_disabled_user_can_be_enabled_again(fresh, template_db: dict) -> None:  # noqa: F811
    app, _ = fresh
    admin = login(app, "boss")
    tid = template_db["tech_id"]
    assert admin.post(f"/users/{tid}/disable", data={"csrf": csrf_of(admin)}).status_code == 303
    assert _login_status(app, "tech", PASSWORD) == 401
    assert admin.post(f"/users/{tid}/enable", data={"csrf": csrf_of(admin)}).status_code == 303
    assert _login_status(app, "tech", PASSWORD) == 303
    assert admin.post("/users/99999/enable", data={"csrf": csrf_of(admin)}).status_code == 404
