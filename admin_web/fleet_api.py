"""The station API's remote-configuration calls (``/api/v1``, station token): the station's
effective configuration, and the diagnostics bundles it uploads when an admin asks for one. The
heartbeat (admin_web.api) answers with the desired version and the pending actions."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status

from admin_web import fleet_config
from admin_web.api import _ERRORS, StationId, engine_of
from wire import v1 as wire_v1

router = APIRouter(prefix=wire_v1.API_PREFIX, tags=["station"])


@router.get(wire_v1.CONFIGURATION_PATH, response_model=wire_v1.StationConfiguration, responses=_ERRORS)
def configuration(station_id: StationId, request: Request) -> wire_v1.StationConfiguration:
    """The station's effective configuration: its room's settings, its own over them, the files of
    its protocol library version; ``version`` is the number the heartbeat's answer names."""
    with engine_of(request).connect() as conn:
        return fleet_config.effective(conn, station_id)


@router.post(wire_v1.DIAGNOSTICS_PATH, responses={**_ERRORS, 404: {"description": "no such action"}})
def upload_diagnostics(
    bundle: wire_v1.DiagnosticsBundle, station_id: StationId, request: Request
) -> dict[str, bool]:
    """Store a diagnostics bundle the station made for one of its own diagnostics actions."""
    with engine_of(request).begin() as conn:
        if not fleet_config.store_diagnostics(conn, station_id, bundle):
            raise HTTPException(status.HTTP_404_NOT_FOUND, "no diagnostics action of this station")
    return {"stored": True}
