"""The `oasis` command: one entry point, subcommands owned by the packages that implement them.

Each subcommand lives in a module exposing ``configure(parser)`` and ``run(args) -> int``.
Those modules import heavy libraries (mne, pyglet, …) inside ``run`` so that ``oasis --help``
stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

# name -> (module, one-line help). Order is the order shown by `oasis --help`.
COMMANDS: dict[str, tuple[str, str]] = {
    "sim": ("sensors.sim.sim_command", "publish simulated physiological LSL streams (a simulated officer)"),
    "demo": ("station.commands.demo_command", "run a simulated session end to end (what `make demo` runs)"),
    "streams": (
        "sensors.lsl.streams_command",
        "live table of the LSL streams on the network (--json for scripts)",
    ),
    "analyze": (
        "sensors.analyze.analyze_command",
        "analyse a recorded ECG/PPG/EEG/EDA/RESP file offline (JSON, --plot)",
    ),
    "devices": (
        "sensors.devices.devices_command",
        "list serial ports and guess the biofeedback device on each",
    ),
    "bridge": (
        "sensors.devices.bridge_command",
        "bridge a serial device (cyton, thinkgear, cms50d, cms50d-v7, gsr) to LSL",
    ),
    "scene": (
        "scenes.scene_command",
        "show a calming scene on a headset, in a window, or render it to images",
    ),
    "station": ("station.commands.station_command", "station check, stored sessions, sync to the admin"),
    "officer": (
        "station.commands.officer_command",
        "an officer's own history: ratings before → after, minutes, physiological change",
    ),
    "report": (
        "station.commands.report_command",
        "draw a session (HR, HRV, alpha, EDA, phases) to PNG or PDF",
    ),
    "replay": (
        "station.commands.replay_command",
        "republish an XDF recording's streams over LSL in real time",
    ),
    "admin": ("admin_web.admin_command", "admin web server: serve, create-user, migrate (管理后台)"),
    "pipeline": (
        "sensors.pipeline.pipeline_command",
        "compute features from live sensor streams, publish LSL Features",
    ),
    "protocol": (
        "protocols.protocol_command",
        "list, check and simulate relaxation protocols (protocols/library)",
    ),
}


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="oasis",
        description="Oasis relaxation-station controller (减压驿站 放松站控制程序)",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(module_name)
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        module.configure(command_parser)
        command_parser.set_defaults(run_command=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `oasis` console script."""
    args = build_parser().parse_args(argv)
    level = logging.WARNING - 10 * min(args.verbose, 2)
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return int(args.run_command(args) or 0)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
