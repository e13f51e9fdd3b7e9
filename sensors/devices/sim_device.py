"""Serial-device emulators fed by the simulated officer of ``sensors/sim`` (``oasis sim --device``)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from sensors.devices.cyton import DAISY_LABELS, device_spec
from sensors.devices.device_interfaces import DeviceSpec, EmulatedDevice
from sensors.devices.device_kinds import get
from sensors.devices.emulator import PtyEmulator
from sensors.devices.sources import Resampled, SignalSource, Stacked
from sensors.sim.cardiac_signal import PpgGenerator
from sensors.sim.eda_signal import EdaGenerator
from sensors.sim.eeg_signal import EegGenerator
from sensors.sim.faults import Fault, FaultInjector
from sensors.sim.officer_state import Scenario

DEVICE_NAMES = ("cyton", "cyton-daisy", "thinkgear", "cms50d", "cms50d-v7", "gsr")


def sim_source(device: str, scenario: Scenario, seed: int = 0) -> SignalSource:
    """The simulator signal a device emulates: 8-ch EEG (Cyton), 16-ch EEG (Cyton + Daisy: two
    simulated 8-channel heads of the same officer), Fp1 at 512 Hz (ThinkGear), PPG at 60 Hz (CMS50D+),
    EDA in µS (GSR); the CMS50D+ 4.6 (``cms50d-v7``) like the older one."""
    if device == "cyton":
        return EegGenerator(scenario, seed)
    if device == "cyton-daisy":
        return Stacked([EegGenerator(scenario, seed), EegGenerator(scenario, seed + 1)], DAISY_LABELS)
    if device == "thinkgear":
        return Resampled(EegGenerator(scenario, seed), 512.0, channels=[0])
    if device in ("cms50d", "cms50d-v7"):
        return Resampled(PpgGenerator(scenario, seed), 60.0)
    if device == "gsr":
        return EdaGenerator(scenario, seed)
    raise KeyError(f"unknown device {device!r}; known: {', '.join(DEVICE_NAMES)}")


def device_kind(device: str) -> DeviceSpec:
    """The spec behind an emulated device name (``cyton-daisy`` is the Cyton with a Daisy module)."""
    return device_spec(daisy=True) if device == "cyton-daisy" else get(device)


SERIAL_FAULT_KINDS = ("flat", "clip", "mains")  # a serial device always sends its packets: no drop, no NaN


class FaultedSource:
    """A source with ``flat``/``clip``/``mains`` faults applied at its own sample times (seconds from
    its first sample), so an emulated device can misbehave like ``oasis sim --fault`` streams."""

    def __init__(self, source: SignalSource, faults: list[Fault]) -> None:
        bad = [str(f) for f in faults if f.kind not in SERIAL_FAULT_KINDS]
        if bad:
            raise ValueError(
                f"a serial device takes only {', '.join(SERIAL_FAULT_KINDS)} faults, not {bad[0]}"
            )
        self.source = source
        self.fs = source.fs
        self.labels = source.labels
        scale = float(getattr(source, "scale", 1.0))
        self._injector = FaultInjector(faults, len(source.labels), source.fs, scale)
        self._n = 0

    def next_chunk(self, n: int) -> np.ndarray:
        chunk = np.asarray(self.source.next_chunk(n), dtype=np.float64)
        t = (self._n + np.arange(len(chunk))) / self.fs
        self._n += len(chunk)
        return self._injector.apply(chunk, t)[0]


def sim_device(
    device: str, scenario: Scenario, seed: int = 0, faults: list[Fault] | None = None
) -> EmulatedDevice:
    """An emulated ``device`` driven by the simulated officer, with ``faults`` (:class:`FaultedSource`)."""
    source = sim_source(device, scenario, seed)
    return device_kind(device).make_emulator(FaultedSource(source, faults) if faults else source)


def run_emulated_device(
    device: str, scenario: Scenario, seed: int, duration: float | None, link: str | None
) -> int:
    """Run the emulator until Ctrl-C or ``duration``; print its port path first."""
    spec = device_kind(device)
    emulator = PtyEmulator(sim_device(device, scenario, seed), link=Path(link) if link else None).start()
    print(
        f"oasis sim: emulating {spec.title} on {emulator.path}  (模拟串口设备 / emulated serial device)",
        flush=True,
    )
    bridge_args = "cyton --daisy on" if device == "cyton-daisy" else device
    print(f"  open it with: oasis bridge {bridge_args} --port {emulator.path}", flush=True)
    started = time.monotonic()
    try:
        while duration is None or time.monotonic() - started < duration:
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    print(f"oasis sim: stopped; {emulator.bytes_written} bytes written", flush=True)
    return 0
