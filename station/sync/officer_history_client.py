"""Ask the admin server for one officer's sessions at every station (``/api/v1/officer-history``),
with this station's token; None when the admin is not reachable or the station is not paired, so
the kiosk falls back to its own store."""

from __future__ import annotations

import logging

import httpx
from pydantic import ValidationError

from station.sync.client import SyncClient
from wire import v1 as wire_v1

log = logging.getLogger(__name__)
HISTORY_TIMEOUT_S = 3.0  # the officer is waiting at the screen


def fetch_officer_history(
    client: SyncClient, officer_code: str, timeout_s: float = HISTORY_TIMEOUT_S
) -> list[wire_v1.SessionSummary] | None:
    """The officer's sessions as the admin server holds them, oldest first; None on any failure."""
    url = client.config.admin_url or client.state.admin_url
    token = client.state.token
    if not url or not token:
        return None
    try:
        response = httpx.post(
            f"{url.rstrip('/')}{wire_v1.API_PREFIX}{wire_v1.OFFICER_HISTORY_PATH}",
            json=wire_v1.OfficerHistoryRequest(officer_code=officer_code).model_dump(),
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout_s,
            verify=client.config.verify,
        )
        response.raise_for_status()
        answer = wire_v1.OfficerHistory.model_validate_json(response.content)
    except (httpx.HTTPError, ValidationError) as exc:
        log.info("officer history from the admin server failed (%s); using this station's store", exc)
        return None
    if answer.officer_code != officer_code:
        return None
    return list(answer.sessions)
