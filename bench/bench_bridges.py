"""Station device-bridge benchmarks (devices emulated on pty pairs, real LSL).

- start to first sample: ``BridgeManager.start`` until a fresh LSL inlet holds the Cyton's first
  sample (median of 3); peer: the way before the station ran its own bridges, an ``oasis bridge``
  process started for the same device.
- stop: ``BridgeManager.stop`` of a streaming Cyton (board told ``s``, port closed, streams gone);
  no peer.
- auto search: a GSR on the last of four ports (an oximeter, a headband and an idle Cyton first),
  1 s of listening per serial setting; ours listens only at the configured kind's settings; peer:
  detect.py's full guess (every kind) port by port.
- rows(): the devices page's and the heartbeat's status call with four bridges streaming; no peer.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

import pylsl

from sensors.devices.detect import guess_port
from sensors.devices.device_kinds import get
from sensors.devices.emulator import PtyEmulator
from station.bridges import BridgeManager
from station.config import DeviceConfig

REPO = Path(__file__).resolve().parents[1]
KINDS = ("cms50d", "thinkgear", "cyton", "gsr")


def _first_sample(name: str) -> None:
    inlet = pylsl.StreamInlet(pylsl.resolve_byprop("name", name, timeout=30)[0])
    inlet.open_stream(timeout=30)
    sample, _ = inlet.pull_sample(timeout=30)
    if sample is None:
        raise RuntimeError(f"no sample from {name}")
    inlet.close_stream()


def _ours_start(path: str, rep: int) -> tuple[float, float]:
    name = f"bench-ours-{rep}"
    manager = BridgeManager([DeviceConfig(name, "cyton", path)])
    started = time.perf_counter()
    manager.start(name)
    _first_sample(name)
    first = time.perf_counter() - started
    started = time.perf_counter()
    manager.stop(name)
    return first, time.perf_counter() - started


def _peer_start(path: str, rep: int) -> float:
    name = f"bench-peer-{rep}"
    started = time.perf_counter()
    command = [sys.executable, "-m", "station.cli", "bridge", "cyton", "--port", path, "--name", name]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _first_sample(name)
        return time.perf_counter() - started
    finally:
        process.terminate()
        process.wait(timeout=30)


def _search(ports: list[str]) -> tuple[float, float]:
    manager = BridgeManager([DeviceConfig("bench-auto", "gsr", "auto")], serial_ports=lambda: ports)
    started = time.perf_counter()
    manager.start("bench-auto")
    while manager.rows()[0].code == "searching":
        time.sleep(0.01)
    ours = time.perf_counter() - started
    if not manager.rows()[0].port.endswith(ports[-1]):
        raise RuntimeError(f"auto search found {manager.rows()[0]}")
    manager.stop_all()
    started = time.perf_counter()
    found = next(p for p in ports if guess_port(p, seconds=1.0).device == "gsr")
    peer = time.perf_counter() - started
    if found != ports[-1]:
        raise RuntimeError(f"the full guess found {found}")
    return ours, peer


def _rows_cost(emulators: list[PtyEmulator]) -> float:
    devices = [DeviceConfig(f"bench-{k}", k, e.path) for k, e in zip(KINDS, emulators, strict=True)]
    manager = BridgeManager(devices)
    manager.start_autostart()
    try:
        deadline = time.monotonic() + 30
        while not all(r.level == "good" for r in manager.rows()) and time.monotonic() < deadline:
            time.sleep(0.1)
        n = 2000
        started = time.perf_counter()
        for _ in range(n):
            manager.rows()
        return (time.perf_counter() - started) / n
    finally:
        manager.stop_all()


def run() -> dict[str, dict]:
    emulators = [PtyEmulator(get(k).make_emulator()).start() for k in KINDS]
    try:
        cyton = emulators[KINDS.index("cyton")].path
        ours = [_ours_start(cyton, rep) for rep in range(3)]
        peer = statistics.median(_peer_start(cyton, rep) for rep in range(3))
        first = statistics.median(o[0] for o in ours)
        stop = statistics.median(o[1] for o in ours)
        search, full_guess = _search([e.path for e in emulators])  # the GSR is the last
        rows = _rows_cost(emulators)
    finally:
        for e in emulators:
            e.stop()
    return {
        "bridges.start_to_first_sample": {"value": first, "unit": "s", "peer": peer, "ratio": first / peer},
        "bridges.stop": {"value": stop * 1000, "unit": "ms", "peer": None, "ratio": None},
        "bridges.auto_search_4_ports": {
            "value": search,
            "unit": "s",
            "peer": full_guess,
            "ratio": search / full_guess,
        },
        "bridges.rows_4_devices": {"value": rows * 1e6, "unit": "us", "peer": None, "ratio": None},
    }
