"""The sync client: pairs with the admin server, drains the outbox in batches and sends heartbeats.

Delivery is at-least-once: an item is marked sent only after the server's 200 names its UUID
(accepted now or already held). The server is idempotent by UUID, so the effect is exactly once.
Failures back off exponentially with full jitter (capped, so a server down for days is retried
every few minutes forever); every attempt's outcome is persisted for ``sync_status``.
"""

from __future__ import annotations

import logging
import random
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import httpx
from pydantic import ValidationError

from station.sync.outbox import Outbox, OutboxItem
from station.sync.sync_state import SyncState
from wire import v1 as wire_v1

log = logging.getLogger(__name__)

StateProvider = Callable[[], tuple[str, list[dict[str, Any]]]]
"""Returns the station's current state name and its sensor verdicts (``wire_v1.SensorVerdict`` dicts)."""


class RemoteHooks(Protocol):
    """The kiosk's side of remote configuration (station.kiosk.remote_control.RemoteControl)."""

    def report(self) -> dict[str, Any]: ...  # the heartbeat's config_* / maintenance / last_action
    def wants(self, version: int) -> bool: ...
    def offer(self, config: wire_v1.StationConfiguration) -> None: ...
    def take_actions(self, actions: list[wire_v1.RemoteAction]) -> None: ...
    def uploads(self) -> list[wire_v1.DiagnosticsBundle]: ...
    def uploaded(self, action_id: int) -> None: ...


@dataclass
class SyncConfig:
    station_id: str
    station_name: str
    state_dir: Path
    admin_url: str | None = None  # None: find the admin with zeroconf
    software_version: str = "0.1.0"
    batch_size: int = 200
    heartbeat_every_s: float = 30.0
    pairing_poll_s: float = 10.0
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 300.0
    timeout_s: float = 30.0
    verify: bool | str = True  # TLS: verify with system CAs, or a CA bundle path
    discovery_timeout_s: float = 5.0


class SyncClient:
    """Call :meth:`step` repeatedly (or :meth:`run`); each step does one unit of work and returns
    how long to wait before the next."""

    def __init__(
        self,
        outbox: Outbox,
        config: SyncConfig,
        state_provider: StateProvider | None = None,
        discover: Callable[[float], str | None] | None = None,
        http: httpx.Client | None = None,
        remote: RemoteHooks | None = None,
        reminder_counts: Callable[[], dict[str, int]] | None = None,
    ) -> None:
        self.outbox, self.config = outbox, config
        self.remote = remote
        # the admin answered a heartbeat with a desired version: it knows the remote-configuration
        # fields (an older admin refuses a heartbeat carrying them, so none are sent before)
        self._admin_knows_config = False
        # the kiosk's counsellor suggestions per month (SessionStore.reminder_counts): counts only
        self.reminder_counts = reminder_counts
        self._reminders_sent: dict[str, int] = {}
        self.state = SyncState.load(config.state_dir)
        self.state_provider = state_provider or (lambda: ("idle", []))
        self._discover = discover
        self._batch_size = config.batch_size
        self._next_heartbeat = 0.0
        self._wake = threading.Event()
        self._http = http or httpx.Client(timeout=config.timeout_s, verify=config.verify)

    @property
    def batch_size(self) -> int:
        """Items sent per upload now: halved after each 413 (body too large), down to one."""
        return self._batch_size

    # ---------------------------------------------------------------- helpers

    def _save(self) -> None:
        self.state.save(self.config.state_dir)

    def _backoff(self, error: str) -> float:
        self.state.consecutive_failures += 1
        self.state.last_error = error[:300]
        ceiling = min(
            self.config.backoff_cap_s,
            self.config.backoff_base_s * 2 ** min(self.state.consecutive_failures, 30),
        )
        delay = random.uniform(ceiling / 10, ceiling)
        self.state.next_attempt_at = time.time() + delay
        self._save()
        log.info("sync: %s; retrying in %.1f s", error, delay)
        return delay

    def _succeeded(self) -> None:
        self.state.consecutive_failures = 0
        self.state.last_error = None
        self.state.last_success_at = time.time()
        self.state.next_attempt_at = None

    def _admin_url(self) -> str | None:
        if self.config.admin_url:
            return self.config.admin_url.rstrip("/")
        if self.state.admin_url and self.state.consecutive_failures < 3:
            return self.state.admin_url
        if self._discover is None:
            from station.sync.station_zeroconf import find_admin

            self._discover = find_admin
        found = self._discover(self.config.discovery_timeout_s)
        if found:
            self.state.admin_url = found.rstrip("/")
        return found.rstrip("/") if found else self.state.admin_url

    def _post(self, url: str, path: str, body: dict[str, Any], auth: bool = True) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.state.token}"} if auth and self.state.token else {}
        return self._http.post(f"{url}{wire_v1.API_PREFIX}{path}", json=body, headers=headers)

    # ---------------------------------------------------------------- work

    def step(self) -> float:
        """Pair if needed, send one batch and a heartbeat if due; return seconds until the next step."""
        self.state.last_attempt_at = time.time()
        url = self._admin_url()
        if url is None:
            return self._backoff("no admin server configured or found on the network")
        self.state.admin_url = url
        try:
            if self.state.token is None:
                return self._pair(url)
            delay = self._send_batch(url)
            if time.monotonic() >= self._next_heartbeat and self.state.token is not None:
                self._heartbeat(url)
                self._send_reminder_counts(url)
            return delay
        except httpx.HTTPError as exc:
            return self._backoff(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)

    def _pair(self, url: str) -> float:
        request = wire_v1.PairingRequest(
            station_id=self.config.station_id,
            name=self.config.station_name,
            software_version=self.config.software_version,
            claim=self.state.claim,
        )
        response = self._post(url, "/pair", request.model_dump(mode="json"), auth=False)
        if response.status_code == 409:
            self.state.pairing = "refused"
            return self._backoff("the server says this station is already paired: an admin must re-pair it")
        if response.status_code != 200:
            return self._backoff(f"pairing: HTTP {response.status_code}")
        answer = wire_v1.PairingResponse.model_validate(response.json())
        self.state.pairing_code = answer.pairing_code
        if answer.status == "approved" and answer.token:
            self.state.token, self.state.pairing = answer.token, "paired"
            self._succeeded()
            self._save()
            return 0.0
        self.state.pairing = "pending"
        self._succeeded()
        self._save()
        return self.config.pairing_poll_s

    def _valid(
        self, items: list[OutboxItem]
    ) -> tuple[list[tuple[OutboxItem, dict[str, Any]]], dict[str, str]]:
        """Check each item against wire_v1 (the store queued it in that form; a stand-alone outbox may
        hold anything), so one bad item never blocks a batch."""
        good, bad = [], {}
        for item in items:
            try:
                if item.kind not in ("session", "calibration"):
                    raise ValueError(f"unknown kind {item.kind!r}")
                model = wire_v1.SessionSummary if item.kind == "session" else wire_v1.Calibration
                parsed = model.model_validate(item.payload)
                if parsed.station_id != self.config.station_id:
                    raise ValueError(f"station_id {parsed.station_id!r} is not this station")
                good.append((item, item.payload))
            except (ValidationError, ValueError, KeyError, TypeError) as exc:
                bad[item.id] = f"invalid {item.kind}: {str(exc).splitlines()[0]}"
        return good, bad

    def _send_batch(self, url: str) -> float:
        items = self.outbox.pending(self._batch_size)
        good, bad = self._valid(items)
        for item_id, error in bad.items():  # kept, never sent: status shows them
            self.outbox.mark_failed([item_id], error)
        if not good:
            self._succeeded()
            self._save()
            return 1.0 if bad else self.config.heartbeat_every_s
        batch = {
            "schema_version": wire_v1.SCHEMA_VERSION,
            "sessions": [wire for i, wire in good if i.kind == "session"],
            "calibrations": [wire for i, wire in good if i.kind == "calibration"],
        }
        ids = [i.id for i, _ in good]
        try:
            response = self._post(url, "/sessions", batch)
        except httpx.HTTPError as exc:
            self.outbox.mark_failed(ids, f"{type(exc).__name__}: {exc}")
            raise
        if response.status_code == 200:
            result = wire_v1.UploadResult.model_validate(response.json())
            delivered = {str(u) for u in (*result.accepted, *result.duplicates)}
            sent = self._unchanged([i for i, _ in good if i.id in delivered])
            self.outbox.mark_sent(sent)
            self.state.sent_total += len(sent)
            self._succeeded()
            self._save()
            return 0.0
        error = f"upload: HTTP {response.status_code} {response.text[:200]}"
        self.outbox.mark_failed(ids, error)
        if response.status_code == 401:
            self.state.token, self.state.pairing = None, "unpaired"
        elif response.status_code == 413 and self._batch_size > 1:
            self._batch_size = max(1, self._batch_size // 2)
        return self._backoff(error)

    def _unchanged(self, items: list[OutboxItem]) -> list[str]:
        """The ids of ``items`` whose payload the station has not replaced while they were in flight
        (the store re-queues a session under the same id when its post-session rating arrives); a
        replaced one stays pending and is sent again with its new content."""
        if not items:
            return []
        now = {i.id: i.payload for i in self.outbox.pending(len(items))}  # they lead the queue
        return [i.id for i in items if now.get(i.id) == i.payload]

    def _heartbeat(self, url: str) -> None:
        state, sensors = self.state_provider()
        beat = wire_v1.Heartbeat(
            station_id=self.config.station_id,
            state=state,
            software_version=self.config.software_version,
            free_disk_bytes=shutil.disk_usage(self.config.state_dir).free,
            backlog=self.outbox.backlog(),
            sensors=[wire_v1.SensorVerdict.model_validate(s) for s in sensors],
            **(self.remote.report() if self.remote is not None and self._admin_knows_config else {}),
        )
        response = self._post(url, "/heartbeat", beat.model_dump(mode="json"))
        if response.status_code == 401:
            self.state.token, self.state.pairing = None, "unpaired"
            self._save()
        self._next_heartbeat = time.monotonic() + self.config.heartbeat_every_s
        if response.status_code == 200 and self.remote is not None:
            try:
                ack = wire_v1.HeartbeatAck.model_validate(response.json())
            except (ValidationError, ValueError) as exc:  # a newer admin's answer: the beat counted
                log.warning("sync: heartbeat answer not understood: %s", str(exc).splitlines()[0])
                return
            self._admin_knows_config = ack.config_version is not None
            self._remote_exchange(url, ack, self.remote)

    def _remote_exchange(self, url: str, ack: wire_v1.HeartbeatAck, remote: RemoteHooks) -> None:
        """After a heartbeat: fetch a configuration version new to the station, hand over the
        admin's actions and upload the diagnostics bundles made since."""
        if ack.config_version is not None and remote.wants(ack.config_version):
            response = self._http.get(
                f"{url}{wire_v1.API_PREFIX}{wire_v1.CONFIGURATION_PATH}",
                headers={"Authorization": f"Bearer {self.state.token}"},
            )
            if response.status_code == 200:
                remote.offer(wire_v1.StationConfiguration.model_validate(response.json()))
        remote.take_actions(ack.actions)
        for bundle in remote.uploads():
            response = self._post(url, wire_v1.DIAGNOSTICS_PATH, bundle.model_dump(mode="json"))
            if response.status_code == 200:
                remote.uploaded(bundle.action_id)

    def _send_reminder_counts(self, url: str) -> None:
        """The monthly suggestion counts, when they changed since they were last delivered."""
        if self.reminder_counts is None or self.state.token is None:
            return
        counts = self.reminder_counts()
        if not counts or counts == self._reminders_sent:
            return
        body = wire_v1.ReminderCounts(
            months=[wire_v1.ReminderMonth(month=month, shown=shown) for month, shown in counts.items()]
        )
        response = self._post(url, wire_v1.REMINDER_COUNTS_PATH, body.model_dump(mode="json"))
        if response.status_code == 200:
            self._reminders_sent = counts
        else:
            log.info("sync: reminder counts: HTTP %s", response.status_code)

    def pending_pairing_code(self) -> str | None:
        """The pairing code while the station waits for the admin's approval, else None."""
        state = self.state
        return state.pairing_code if state.pairing == "pending" else None

    def wake(self) -> None:
        """Cut the current wait short (the station calls this when it queues a new session)."""
        self._wake.set()

    def run(self, stop: threading.Event) -> None:
        """Step until ``stop`` is set."""
        while not stop.is_set():
            deadline = time.monotonic() + self.step()
            while not stop.is_set() and time.monotonic() < deadline:
                if self._wake.wait(min(0.5, max(deadline - time.monotonic(), 0))):
                    self._wake.clear()
                    break

    def close(self) -> None:
        self._http.close()


def sync_status(state_dir: Path, outbox: Outbox) -> dict[str, Any]:
    """What ``oasis station sync --status`` shows: backlog, pairing, admin URL, last outcome."""
    state = SyncState.load(Path(state_dir))
    return {
        "backlog": outbox.backlog(),
        "pairing": state.pairing,
        "pairing_code": state.pairing_code,
        "admin_url": state.admin_url,
        "last_success_at": state.last_success_at,
        "last_attempt_at": state.last_attempt_at,
        "last_error": state.last_error,
        "consecutive_failures": state.consecutive_failures,
        "next_attempt_at": state.next_attempt_at,
        "sent_total": state.sent_total,
    }
