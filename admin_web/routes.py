"""Every route of the admin server in one place: the station API (``admin_web.api``, JSON under
``/api/v1``) and the pages for people. Each page handler declares the roles it admits in its
signature (``admin_web.page_access``); forms also check a CSRF token."""

from __future__ import annotations

from fastapi import APIRouter

from admin_web import (
    api,
    audit_log,
    auth_pages,
    db,
    fleet_api,
    fleet_pages,
    officer_account_api,
    officer_history_api,
    report_pages,
    settings_pages,
    station_pages,
    topic_pages,
    user_pages,
)
from admin_web.csv_exports import table_export
from admin_web.page_access import ROLE_ADMIN, ROLE_ANY

pages = APIRouter(include_in_schema=False)
GET, POST = ["GET"], ["POST"]

pages.add_api_route("/login", auth_pages.login_page, methods=GET)
pages.add_api_route("/login", auth_pages.login, methods=POST)
pages.add_api_route("/logout", auth_pages.logout, methods=POST)
pages.add_api_route("/", auth_pages.home, methods=GET)
pages.add_api_route("/account", auth_pages.account_page, methods=GET)
pages.add_api_route("/account/password", auth_pages.change_password, methods=POST)

pages.add_api_route("/dashboard", report_pages.dashboard_page, methods=GET)
pages.add_api_route("/sessions", report_pages.sessions_page, methods=GET)
pages.add_api_route("/sessions/{uuid}", report_pages.session_detail, methods=GET)
pages.add_api_route("/calibrations", report_pages.calibrations_page, methods=GET)
pages.add_api_route("/topics", topic_pages.topics_page, methods=GET)

pages.add_api_route("/stations", station_pages.stations_page, methods=GET)
pages.add_api_route("/stations/{station_id}/approve", station_pages.approve, methods=POST)
pages.add_api_route("/stations/{station_id}/revoke", station_pages.revoke_page, methods=GET)
pages.add_api_route("/stations/{station_id}/revoke", station_pages.revoke, methods=POST)
pages.add_api_route("/stations/pending/clear", station_pages.clear_pending_requests, methods=POST)

pages.add_api_route("/rooms", fleet_pages.rooms_page, methods=GET)
pages.add_api_route("/rooms", fleet_pages.add_room, methods=POST)
pages.add_api_route("/stations/{station_id}/room", fleet_pages.assign_room, methods=POST)
pages.add_api_route("/config/{scope}/{scope_id}", fleet_pages.config_page, methods=GET)
pages.add_api_route("/config/{scope}/{scope_id}", fleet_pages.save_config, methods=POST)
pages.add_api_route("/protocols", fleet_pages.protocols_page, methods=GET)
pages.add_api_route("/protocols", fleet_pages.upload_protocol, methods=POST)
pages.add_api_route("/stations/{station_id}/actions/{kind}", fleet_pages.action_page, methods=GET)
pages.add_api_route("/stations/{station_id}/actions/{kind}", fleet_pages.do_action, methods=POST)
pages.add_api_route(
    "/stations/{station_id}/diagnostics/{bundle_id}", fleet_pages.diagnostics_download, methods=GET
)

pages.add_api_route("/users", user_pages.users_page, methods=GET)
pages.add_api_route("/users", user_pages.add_user, methods=POST)
pages.add_api_route("/users/{user_id}/disable", user_pages.disable_user, methods=POST)
pages.add_api_route("/users/{user_id}/enable", user_pages.enable_user, methods=POST)
pages.add_api_route("/users/{user_id}/password", user_pages.reset_password, methods=POST)

pages.add_api_route("/settings", settings_pages.settings_page, methods=GET)
pages.add_api_route("/settings", settings_pages.save_settings, methods=POST)
pages.add_api_route("/audit", audit_log.audit_page, methods=GET)

pages.add_api_route("/export/sessions.csv", table_export("sessions", db.sessions, ROLE_ADMIN), methods=GET)
pages.add_api_route("/export/stations.csv", table_export("stations", db.stations, ROLE_ANY), methods=GET)
pages.add_api_route(
    "/export/calibrations.csv", table_export("calibrations", db.calibrations, ROLE_ANY), methods=GET
)
pages.add_api_route("/export/users.csv", table_export("users", db.users, ROLE_ADMIN), methods=GET)
pages.add_api_route("/export/audit.csv", table_export("audit", db.audit, ROLE_ADMIN), methods=GET)

station_api = api.router
fleet_station_api = fleet_api.router
officer_history = officer_history_api.router
officer_account = officer_account_api.router
