"""`oasis bridge DEVICE --port PORT`: run a serial → LSL bridge until Ctrl-C (or ``--duration``)."""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from dataclasses import asdict
from typing import TYPE_CHECKING

from sensors.devices.device_command_texts import add_lang_option, t

if TYPE_CHECKING:
    from sensors.devices.bridge import BridgeStatus
    from sensors.devices.device_interfaces import DeviceSpec

DEVICE_NAMES = ("cyton", "thinkgear", "cms50d", "cms50d-v7", "gsr")
DURATION_RANGE_S = (0, 2_592_000)  # up to 30 days
STATUS_EVERY_RANGE_S = (0.05, 3600)
BAUD_RANGE = (50, 4_000_000)


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("device", choices=DEVICE_NAMES, help="device kind")
    parser.add_argument("--port", required=True, help="serial port, e.g. /dev/ttyUSB0 or an emulator's pty")
    parser.add_argument("--name", help="LSL stream name (default oasis-DEVICE)")
    parser.add_argument("--baud", type=int, help="override the device's baud rate")
    parser.add_argument(
        "--gsr-format",
        default="auto",
        choices=("auto", "value", "t,value", "key=value"),
        help="GSR line format (default auto)",
    )
    parser.add_argument("--gsr-key", default="gsr", help="key holding the reading in key=value lines")
    parser.add_argument(
        "--gsr-calibration",
        default="grove",
        help="profile name in sensors/devices/gsr_calibration.toml (default grove)",
    )
    parser.add_argument(
        "--daisy",
        default="auto",
        choices=("auto", "on", "off"),
        help="cyton: a Daisy module (16 channels at 125 Hz); auto asks the board ('v') and "
        "reads its banner (default auto)",
    )
    parser.add_argument("--duration", type=float, help="stop after this many seconds")
    parser.add_argument(
        "--status-every",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="print the bridge status this often (default 2)",
    )
    parser.add_argument("--json", action="store_true", help="status lines as JSON")
    add_lang_option(parser)


def run(args: argparse.Namespace) -> int:
    from sensors.devices.bridge import SerialBridge
    from sensors.devices.device_kinds import get
    from sensors.devices.gsr import GsrParser, load_calibration

    for option, value, (low, high) in (
        ("--duration", args.duration, DURATION_RANGE_S),
        ("--status-every", args.status_every, STATUS_EVERY_RANGE_S),
        ("--baud", args.baud, BAUD_RANGE),
    ):
        if value is not None and not (math.isfinite(value) and low <= value <= high):
            print(t("bad_number", args.lang, option=option, low=low, high=high), file=sys.stderr)
            return 2
    spec = get(args.device)
    if args.device == "cyton":
        spec = _cyton_spec(args)
    parser = None
    if args.device == "gsr":
        try:
            parser = GsrParser(args.gsr_format, args.gsr_key, load_calibration(args.gsr_calibration))
        except (KeyError, ValueError, OSError) as exc:
            print(t("bad_gsr", args.lang, reason=str(exc).strip("'\"")))
            return 2
    bridge = SerialBridge(spec, args.port, name=args.name, parser=parser, baudrate=args.baud).start()
    print(t("bridging", args.lang, title=spec.title, port=args.port, name=bridge.name), flush=True)
    started = time.monotonic()
    gaps_shown = 0
    try:
        while args.duration is None or time.monotonic() - started < args.duration:
            left = (args.duration or 1e9) - (time.monotonic() - started)
            time.sleep(min(args.status_every, max(0.05, left)))
            status = bridge.status()
            for gap in status.gaps[gaps_shown:]:
                print(t("gap", args.lang, duration=gap.duration), flush=True)
            gaps_shown = len(status.gaps)
            _print_status(status, args)
    except KeyboardInterrupt:
        pass
    finally:
        bridge.stop()
    print(t("stopped", args.lang), flush=True)
    return 0


def _cyton_spec(args: argparse.Namespace) -> DeviceSpec:
    """The Cyton spec for ``--daisy``: on/off as told, auto from the board's answer to ``v``."""
    from sensors.devices.cyton import device_spec
    from sensors.devices.detect import detect_daisy

    if args.daisy != "auto":
        return device_spec(args.daisy == "on")
    daisy, reason = detect_daisy(args.port)
    if daisy is None:
        print(t("daisy_unknown", args.lang, reason=reason), flush=True)
        return device_spec(False)
    print(t("daisy_found" if daisy else "daisy_absent", args.lang), flush=True)
    return device_spec(daisy)


def _print_status(status: BridgeStatus, args: argparse.Namespace) -> None:
    if args.json:
        row = asdict(status)
        row["verdict"] = {"level": status.verdict.level.value, "reason": status.verdict.reason}
        print(json.dumps(row, ensure_ascii=False), flush=True)
        return
    s = status.stats
    line = t(
        "status",
        args.lang,
        state=status.state,
        bytes=status.bytes_received,
        packets=s.packets,
        corrupt=s.corrupt,
        dropped=s.dropped,
        reconnects=status.reconnects,
    )
    reason = f" — {status.verdict.level.value}: {status.verdict.reason}" if status.verdict.reason else ""
    print(line + reason, flush=True)
