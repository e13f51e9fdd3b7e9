"""An admin server embedded in `oasis demo`: uvicorn on loopback in a thread, a SQLite database in
the demo's data folder, a demo admin account, and the admin's approval of the demo station."""

from __future__ import annotations

import secrets
import socket
import threading
import time
from pathlib import Path

from sqlalchemy import select, update


class EmbeddedAdmin:
    """The real admin app (admin_web), served on 127.0.0.1 on a free port."""

    def __init__(self, db_path: Path) -> None:
        from admin_web import db

        self.engine = db.make_engine(f"sqlite:///{db_path}")
        db.migrate(self.engine)
        self._server = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def ensure_admin(self, name: str = "demo-admin") -> str | None:
        """Create the demo admin with a fresh random password (returned); None if it exists already."""
        from admin_web import db
        from admin_web.security import create_user

        with self.engine.begin() as conn:
            if conn.execute(select(db.users.c.id).where(db.users.c.name == name)).first():
                return None
            password = secrets.token_urlsafe(12)
            create_user(conn, name, "admin", password)
            return password

    def start(self, timeout: float = 20.0) -> EmbeddedAdmin:
        import uvicorn

        from admin_web.app import create_app

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        config = uvicorn.Config(
            create_app(self.engine, retention=False), host="127.0.0.1", port=self.port, log_level="warning"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="embedded-admin", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started and time.monotonic() < deadline and self._thread.is_alive():
            time.sleep(0.05)
        if not self._server.started:
            raise RuntimeError("the embedded admin server did not start")
        return self

    def approve(self, station_id: str, pairing_code: str, admin: str = "demo-admin") -> bool:
        """Approve a pending station, as the admin does on the Stations page (audited)."""
        from admin_web import db
        from admin_web.security import utcnow
        from admin_web.web import record

        with self.engine.begin() as conn:
            done = (
                conn.execute(
                    update(db.stations)
                    .where(
                        db.stations.c.id == station_id,
                        db.stations.c.status == "pending",
                        db.stations.c.pairing_code == pairing_code,
                    )
                    .values(status="approved", approved_by=admin, approved_at=utcnow(), token_issued=False)
                ).rowcount
                == 1
            )
            if done:
                record(conn, admin, "approve", f"station {station_id}")
        return done

    def session_count(self) -> int:
        from sqlalchemy import func

        from admin_web import db

        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(db.sessions)).scalar_one())

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
