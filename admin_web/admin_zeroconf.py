"""Zeroconf on the admin side: advertise ``_oasis-admin._tcp.local.`` and watch for stations.

Stations advertise ``_oasis-station._tcp.local.`` with TXT keys ``id``, ``name``, ``version`` and
``state``; :class:`StationWatcher` keeps the live set for the Stations page.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from typing import Any

from zeroconf import IPVersion, ServiceBrowser, ServiceInfo, ServiceStateChange, Zeroconf

from wire.v1 import ADMIN_SERVICE, API_PREFIX, STATION_SERVICE


def _text(props: dict[bytes, bytes | None], key: str) -> str:
    value = props.get(key.encode())
    return value.decode("utf-8", "replace")[:200] if value else ""


class AdminDiscovery:
    """Advertises this admin server and tracks the stations seen on the network; ``on_change`` gets
    the whole current set after each change (the server stores it for its worker processes)."""

    def __init__(
        self,
        port: int,
        scheme: str = "http",
        address: str | None = None,
        interfaces: list[str] | None = None,
        instance: str | None = None,
        on_change: Callable[[dict[str, dict[str, Any]]], None] | None = None,
    ) -> None:
        self._on_change_hook = on_change
        self._zc = Zeroconf(interfaces=interfaces or ["0.0.0.0"], ip_version=IPVersion.V4Only)
        self._lock = threading.Lock()
        self._stations: dict[str, dict[str, Any]] = {}
        self._names: dict[str, str] = {}
        host = address or _primary_ipv4()
        name = instance or f"oasis-admin-{socket.gethostname()}"
        self._info = ServiceInfo(
            ADMIN_SERVICE,
            f"{name}.{ADMIN_SERVICE}",
            port=port,
            addresses=[socket.inet_aton(host)],
            properties={"scheme": scheme, "api": API_PREFIX, "version": "1"},
            server=f"{name}.local.",
        )
        self._zc.register_service(self._info)
        self._browser = ServiceBrowser(self._zc, STATION_SERVICE, handlers=[self._on_change])

    def _on_change(
        self, zeroconf: Zeroconf, service_type: str, name: str, state_change: ServiceStateChange
    ) -> None:
        if state_change is ServiceStateChange.Removed:
            with self._lock:
                station_id = self._names.pop(name, None)
                if station_id:
                    self._stations.pop(station_id, None)
            self._changed()
            return
        info = zeroconf.get_service_info(service_type, name, timeout=3000)
        if info is None:
            return
        props = info.properties
        station_id = _text(props, "id")
        if not station_id:
            return
        addresses = info.parsed_addresses()
        with self._lock:
            self._names[name] = station_id
            self._stations[station_id] = {
                "id": station_id,
                "name": _text(props, "name"),
                "version": _text(props, "version"),
                "state": _text(props, "state"),
                "address": f"{addresses[0]}:{info.port}" if addresses else "",
            }
        self._changed()

    def _changed(self) -> None:
        if self._on_change_hook is not None:
            self._on_change_hook(self.stations())

    def stations(self) -> dict[str, dict[str, Any]]:
        """Stations currently advertised on the network: id -> {id, name, version, state, address}."""
        with self._lock:
            return {k: dict(v) for k, v in self._stations.items()}

    def close(self) -> None:
        """Withdraw the advertisement and stop browsing."""
        self._browser.cancel()
        self._zc.unregister_service(self._info)
        self._zc.close()


def _primary_ipv4() -> str:
    """The address other machines reach us at (the interface of the default route)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # TEST-NET: no packet is sent for a UDP connect
            return str(s.getsockname()[0])
        except OSError:
            return "127.0.0.1"
