"""The ASGI application: FastAPI with the station API, the pages, security headers and body limits."""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from admin_web import db, discovery_store, routes
from admin_web.api import station_for_token
from admin_web.data_retention import apply_retention
from admin_web.i18n import translator
from admin_web.outcome_stats import OutcomeCache
from admin_web.page_access import LoginRequired
from admin_web.page_render import lang_of
from admin_web.security import RateLimiter
from admin_web.stats import DashboardCache
from admin_web.vocabulary import Vocabulary
from wire import v1 as wire_v1

HERE = Path(__file__).resolve().parent
RETENTION_EVERY_S = 3600.0
LOGIN_FAILURES = 5  # per (user name, address), then 60 s blocked, doubling to 1 h
SOURCE_FAILURES = 50  # per address whatever the user name
PAIR_REQUESTS_PER_SOURCE = 20  # new pairing requests per address, then 10 min blocked, doubling to 1 h

SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    "cross-origin-opener-policy": "same-origin",
}


PAIR_BODY_BYTES = 4 * 1024
HEARTBEAT_BODY_BYTES = 64 * 1024
FORM_BODY_BYTES = 64 * 1024
UPLOAD_ROUTE = f"{wire_v1.API_PREFIX}/sessions"
TOKEN_ROUTES = (UPLOAD_ROUTE, f"{wire_v1.API_PREFIX}/heartbeat")
MAX_CONCURRENT_UPLOADS = 2  # uploads read and parsed at once; the others wait their turn


def body_cap(path: str, upload_cap: int) -> int:
    """The largest body accepted on ``path``: uploads ``upload_cap``, the rest a few KiB."""
    caps = {
        f"{wire_v1.API_PREFIX}/sessions": upload_cap,
        f"{wire_v1.API_PREFIX}/heartbeat": HEARTBEAT_BODY_BYTES,
        f"{wire_v1.API_PREFIX}/pair": PAIR_BODY_BYTES,
    }
    return min(caps.get(path, FORM_BODY_BYTES), upload_cap)


def bearer_token(scope: Scope) -> str:
    """The token of an ``Authorization: Bearer`` header ("" without one)."""
    value = dict(scope.get("headers", [])).get(b"authorization", b"").decode("latin-1")
    scheme, _, token = value.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


class GuardMiddleware:
    """Adds security headers to every response; on the station-token routes checks the token before
    reading the body (401); answers 413 to a body over its route's cap before any parsing; lets
    at most MAX_CONCURRENT_UPLOADS uploads be read and parsed at once (bounded memory)."""

    def __init__(self, app: ASGIApp, engine: Engine, max_body: int = wire_v1.MAX_BODY_BYTES) -> None:
        self.app, self.engine, self.max_body = app, engine, max_body
        self.upload_slots = asyncio.Semaphore(MAX_CONCURRENT_UPLOADS)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"
        is_static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                extra = dict(SECURITY_HEADERS)
                if not is_static:
                    extra["cache-control"] = "no-store"
                if https:
                    extra["strict-transport-security"] = "max-age=31536000"
                headers += [(k.encode(), v.encode()) for k, v in extra.items() if k.encode() not in present]
                message = {**message, "headers": headers}
            await send(message)

        if scope["method"] in ("GET", "HEAD"):
            await self.app(scope, receive, send_with_headers)
            return
        if scope["path"] in TOKEN_ROUTES:
            token = bearer_token(scope)
            if not token or await run_in_threadpool(station_for_token, self.engine, token) is None:
                await _answer(send_with_headers, 401, "missing, unknown or revoked station token")
                return
        cap = body_cap(scope["path"], self.max_body)
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > cap):
            await _answer(send_with_headers, 413, "request body too large")
            return
        if scope["path"] == UPLOAD_ROUTE:  # a parsed upload can cost ~25x its size: a few at a time
            async with self.upload_slots:
                await self._forward_with_body(scope, receive, send_with_headers, cap)
        else:
            await self._forward_with_body(scope, receive, send_with_headers, cap)

    async def _forward_with_body(self, scope: Scope, receive: Receive, send: Send, cap: int) -> None:
        body, more = bytearray(), True
        while more:  # read the whole body first: refuse it before any parsing once it is too large
            message = await receive()
            if message["type"] != "http.request":
                return
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > cap:
                await _answer(send, 413, "request body too large")
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)


async def _answer(send: Send, code: int, detail: str) -> None:
    headers = {"WWW-Authenticate": "Bearer"} if code == 401 else None
    await JSONResponse({"detail": detail}, status_code=code, headers=headers)(
        {"type": "http"}, _no_receive, send
    )


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def _retention_loop(engine: Engine, stop: threading.Event) -> None:
    while True:
        with engine.begin() as conn:
            apply_retention(conn)
        if stop.wait(RETENTION_EVERY_S):
            return


def create_app(
    engine: Engine,
    discovered_stations: Callable[[], dict[str, dict[str, Any]]] | None = None,
    retention: bool = True,
    max_body: int = wire_v1.MAX_BODY_BYTES,
    dashboard_cache_size: int = 64,
) -> FastAPI:
    """Build the app on a migrated engine. ``discovered_stations`` returns the stations zeroconf sees
    (id -> TXT properties); the Stations page lists those that have not asked to pair yet."""
    stop = threading.Event()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        worker = threading.Thread(target=_retention_loop, args=(engine, stop), daemon=True, name="retention")
        if retention:
            worker.start()
        yield
        stop.set()

    app = FastAPI(
        title="Oasis admin — station API",
        version=str(wire_v1.SCHEMA_VERSION),
        description="Stations pair, upload session summaries and calibrations (idempotent by UUID) and send "
        "heartbeats. Pages for people are not part of this schema.",
        lifespan=lifespan,
        docs_url=None,  # Swagger UI would load its script from a CDN: the schema is at /openapi.json
        redoc_url=None,
    )
    app.state.engine = engine
    # configuration only: the counts live in the database, shared by every worker process
    app.state.login_limiter = RateLimiter("login", limit=LOGIN_FAILURES, block_s=60.0, max_block_s=3600.0)
    app.state.source_limiter = RateLimiter("source", limit=SOURCE_FAILURES, block_s=60.0, max_block_s=3600.0)
    app.state.pair_limiter = RateLimiter(
        "pair", limit=PAIR_REQUESTS_PER_SOURCE, block_s=600.0, max_block_s=3600.0
    )
    app.state.dashboard_cache = DashboardCache(dashboard_cache_size)
    app.state.outcome_cache = OutcomeCache(dashboard_cache_size)
    app.state.discovered_stations = discovered_stations or dict
    app.state.templates = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    app.include_router(routes.station_api)
    app.include_router(routes.fleet_station_api)
    app.include_router(routes.officer_history)
    app.include_router(routes.officer_account)
    app.include_router(routes.pages)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(GuardMiddleware, engine=engine, max_body=max_body)

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, _exc: Exception) -> Response:
        return RedirectResponse("/login", 303)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith(wire_v1.API_PREFIX):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        lang = lang_of(request)
        html = app.state.templates.get_template("error.html").render(
            request=request,
            user=None,
            lang=lang,
            t=translator(lang),
            w=Vocabulary(lang),
            code=exc.status_code,
            detail=exc.detail,
        )
        return Response(html, status_code=exc.status_code, media_type="text/html")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors()[:20]
        ]  # the documented ValidationError shape (loc, msg, type), without the echoed input
        return JSONResponse({"detail": errors}, status_code=422)

    return app


DB_URL_VARIABLE = "OASIS_ADMIN_DB"


def app_from_environment() -> FastAPI:
    """The app of one worker process (``oasis admin serve --workers``, ``uvicorn --factory``): the
    database named by $OASIS_ADMIN_DB, already migrated by whoever started the workers; the stations
    zeroconf sees are read from the database, where the serving process stores them."""
    engine = db.make_engine(os.environ[DB_URL_VARIABLE])
    return create_app(engine, discovered_stations=lambda: discovery_store.read(engine))
