"""Zeroconf on the station side: advertise ``_oasis-station._tcp.local.`` and find the admin server.

TXT of a station: ``id``, ``name``, ``version``, ``state``. TXT of the admin: ``scheme``, ``api``.
"""

from __future__ import annotations

import socket
import threading

from zeroconf import IPVersion, ServiceBrowser, ServiceInfo, ServiceStateChange, Zeroconf

from wire.v1 import ADMIN_SERVICE, STATION_SERVICE


def _zeroconf(interfaces: list[str] | None) -> Zeroconf:
    return Zeroconf(interfaces=interfaces or ["0.0.0.0"], ip_version=IPVersion.V4Only)


class StationAdvertiser:
    """Announces this station on the local network until :meth:`close`; :meth:`set_state` updates TXT."""

    def __init__(
        self,
        station_id: str,
        name: str,
        version: str,
        state: str = "idle",
        port: int = 0,
        address: str | None = None,
        interfaces: list[str] | None = None,
    ) -> None:
        self._zc = _zeroconf(interfaces)
        self._props = {"id": station_id, "name": name, "version": version, "state": state}
        self._port = port
        self._address = socket.inet_aton(address or _primary_ipv4())
        self._name = f"oasis-station-{station_id}.{STATION_SERVICE}"
        self._info = self._make_info()
        self._zc.register_service(self._info)

    def _make_info(self) -> ServiceInfo:
        return ServiceInfo(
            STATION_SERVICE,
            self._name,
            port=self._port,
            addresses=[self._address],
            properties=dict(self._props),
            server=f"oasis-station-{self._props['id']}.local.",
        )

    def set_state(self, state: str) -> None:
        """Publish a new state (idle, session, technician, …) in the TXT record."""
        self._props["state"] = state
        self._info = self._make_info()
        self._zc.update_service(self._info)

    def close(self) -> None:
        self._zc.unregister_service(self._info)
        self._zc.close()


def find_admin(timeout_s: float = 5.0, interfaces: list[str] | None = None) -> str | None:
    """The base URL (``http(s)://address:port``) of the first admin server seen within ``timeout_s``."""
    found: list[str] = []
    done = threading.Event()
    zc = _zeroconf(interfaces)

    def on_change(zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange) -> None:
        if state_change is ServiceStateChange.Removed or done.is_set():
            return
        info = zeroconf.get_service_info(service_type, name, timeout=int(timeout_s * 1000))
        if info is None or not info.parsed_addresses():
            return
        scheme = (info.properties.get(b"scheme") or b"http").decode()
        if scheme not in ("http", "https"):
            return
        found.append(f"{scheme}://{info.parsed_addresses()[0]}:{info.port}")
        done.set()

    browser = ServiceBrowser(zc, ADMIN_SERVICE, handlers=[on_change])
    try:
        done.wait(timeout_s)
    finally:
        browser.cancel()
        zc.close()
    return found[0] if found else None


def _primary_ipv4() -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET: a UDP connect sends nothing
            return str(s.getsockname()[0])
        except OSError:
            return "127.0.0.1"
