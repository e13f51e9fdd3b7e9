"""The kiosk process wired once, for `oasis station run` and `oasis demo` alike.

    station.toml ─▶ session store (interrupted sessions marked, old recordings purged)
                 ─▶ [[devices]] bridges ─LSL─▶ source registry ─▶ KioskController ◀─ window │ script
                 ─▶ background sync (SyncClient on its own thread) ─HTTPS─▶ admin server

``KioskProcess`` opens the parts in that order and closes them in reverse: a running session is
ended as aborted and stored, the sync thread stopped, the bridges stopped, the store closed.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from protocols.protocol_model import Protocol
from station.config import StationConfig
from station.kiosk.controller import KioskController, SceneSettings
from station.kiosk.diagnostics import RecentLogs
from station.kiosk.remote_control import RemoteControl
from station.store import SessionStore
from station.store.remote_config_store import RemoteConfigStore

if TYPE_CHECKING:
    from station.sync import SyncClient

SYNC_JOIN_S = 10.0


@dataclass
class SyncLoop:
    """The station's background sync: its client and the daemon thread running it."""

    client: SyncClient
    thread: threading.Thread

    def join(self, timeout: float | None = None) -> None:
        self.thread.join(timeout)


def start_sync(
    cfg: StationConfig, store: SessionStore, controller: KioskController, stop: threading.Event
) -> SyncLoop | None:
    """Drain the store to the admin server (admin.url, else zeroconf discovery) on a daemon thread
    until ``stop``; None when neither is configured. The controller answers the heartbeat's state,
    wakes the client when it stores a session, shows the pairing code while the admin's approval
    is awaited, asks the admin for the checked-in officer's history (every station's sessions) and PIN,
    and sends the kiosk's monthly reminder counts."""
    from station.sync import SyncClient, SyncConfig
    from station.sync.officer_history_client import fetch_officer_history
    from station.sync.officer_pin_client import ask_officer_pin

    if not cfg.admin_url and not cfg.admin_discover:
        return None
    state_dir = cfg.data_dir / "sync"
    state_dir.mkdir(parents=True, exist_ok=True)
    config = SyncConfig(
        cfg.station_id, cfg.name or cfg.station_id, state_dir, admin_url=cfg.admin_url or None
    )
    client = SyncClient(
        store,
        config,
        state_provider=controller.heartbeat_state,
        remote=controller.remote,
        reminder_counts=store.reminder_counts,
    )
    controller.on_session_stored = client.wake
    controller.pairing_code_provider = client.pending_pairing_code
    controller.account.remote = lambda code: fetch_officer_history(client, code)
    controller.account.remote_pin = lambda code, action, pin=None: ask_officer_pin(client, code, action, pin)

    def loop() -> None:
        try:
            client.run(stop)
        finally:
            client.close()

    thread = threading.Thread(target=loop, name="oasis-sync", daemon=True)
    thread.start()
    return SyncLoop(client, thread)


class KioskProcess:
    """One station's store, device bridges, LSL registry, kiosk controller and background sync."""

    def __init__(self, cfg: StationConfig, protocols: list[Protocol], scene: SceneSettings) -> None:
        from sensors.lsl.stream_catalog import SourceRegistry, StreamCatalog
        from station.bridges import BridgeManager
        from station.calibration.eda_profile import profile_lookup
        from station.kiosk.controller import startup_recovery
        from station.recording.retention import purge_reports

        self.cfg = cfg
        self.store = SessionStore(cfg.database, cfg.station_id)
        self.interrupted, self.purged = startup_recovery(self.store, cfg.retention_days)
        self.purged += len(purge_reports(cfg.reports_dir, cfg.retention_days, datetime.now(UTC)))
        self.bridges = BridgeManager(cfg.devices, profiles=profile_lookup(self.store.device_profile))
        self.registry = SourceRegistry(StreamCatalog(buffer_seconds=30.0))
        self.controller = KioskController.from_config(
            cfg, self.registry, protocols, self.store, scene, self.bridges
        )
        self.logs = RecentLogs()
        logging.getLogger().addHandler(self.logs)
        self.remote_store = RemoteConfigStore(cfg.database)
        self.controller.remote = RemoteControl(self.controller, self.remote_store, cfg, self.logs)
        self.stop = threading.Event()
        self.sync: SyncLoop | None = None

    def start(self) -> KioskProcess:
        """Start the background sync and the bridges marked autostart."""
        self.sync = start_sync(self.cfg, self.store, self.controller, self.stop)
        self.bridges.start_autostart()
        return self

    def close(self, reason: str = "the station is shutting down") -> None:
        """End a running session as aborted (stored, with ``reason``), then stop everything."""
        try:
            self.controller.shutdown(reason)
        finally:
            self.stop.set()
            self.bridges.stop_all()
            if self.sync is not None:
                self.sync.join(timeout=SYNC_JOIN_S)
            self.registry.close()
            logging.getLogger().removeHandler(self.logs)
            self.remote_store.close()
            self.store.close()
