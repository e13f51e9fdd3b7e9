"""Ask the admin server about the checked-in officer's PIN (``/api/v1/officer-pin``), with this
station's token: is one set, set one, or check a try (the admin applies the back-off). None when the
admin is not reachable or the station is not paired; the kiosk then uses this station's own store.
The PIN is sent in the request body only and never logged."""

from __future__ import annotations

import logging

import httpx
from pydantic import ValidationError

from station.sync.client import SyncClient
from wire import v1 as wire_v1

log = logging.getLogger(__name__)
PIN_TIMEOUT_S = 3.0  # the officer is waiting at the screen


def ask_officer_pin(
    client: SyncClient,
    officer_code: str,
    action: str,
    pin: str | None = None,
    timeout_s: float = PIN_TIMEOUT_S,
) -> wire_v1.OfficerPinAnswer | None:
    """The admin's answer about ``officer_code``'s PIN (``action``: status, set, verify); None on
    any failure."""
    url = client.config.admin_url or client.state.admin_url
    token = client.state.token
    if not url or not token:
        return None
    try:
        body = wire_v1.OfficerPinRequest(officer_code=officer_code, action=action, pin=pin)  # type: ignore[arg-type]
        response = httpx.post(
            f"{url.rstrip('/')}{wire_v1.API_PREFIX}{wire_v1.OFFICER_PIN_PATH}",
            json=body.model_dump(),
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout_s,
            verify=client.config.verify,
        )
        response.raise_for_status()
        return wire_v1.OfficerPinAnswer.model_validate_json(response.content)
    except (httpx.HTTPError, ValidationError) as exc:
        log.info(
            "officer PIN %s at the admin server failed (%s); using this station's store",
            action,
            type(exc).__name__,
        )
        return None
