"""`oasis devices`: list serial ports and guess what is attached, by listening (``--probe`` also sends
the Cyton's ``v``, which stops a streaming board)."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from typing import TYPE_CHECKING

from sensors.devices.device_command_texts import add_lang_option, t

if TYPE_CHECKING:
    from sensors.devices.detect import PortGuess


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--port",
        action="append",
        default=[],
        metavar="PATH",
        help="also examine this port (e.g. an emulator's pty); repeatable",
    )
    parser.add_argument("--only", action="store_true", help="examine only the --port paths")
    parser.add_argument(
        "--listen",
        type=float,
        default=1.0,
        metavar="SECONDS",
        help="listening time per serial setting (default 1.0)",
    )
    parser.add_argument(
        "--probe",
        action="store_true",
        help="also send commands that change a device's state (Cyton 'v' soft reset, "
        "CMS50D+ 4.6 real-time start/stop)",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    add_lang_option(parser)


def run(args: argparse.Namespace) -> int:
    from sensors.devices.detect import guess_port, list_serial_ports

    ports = [] if args.only else list_serial_ports()
    known = {p for p, _ in ports}
    ports += [(p, "") for p in args.port if p not in known]
    guesses = [guess_port(p, d, seconds=args.listen, probe=args.probe) for p, d in ports]
    if args.json:
        print(json.dumps([asdict(g) for g in guesses], ensure_ascii=False, indent=2))
        return 0
    if not guesses:
        print(t("no_ports", args.lang))
        return 0
    lang = args.lang
    header = (t("port", lang), t("description", lang), t("guess", lang), t("verdict", lang))
    rows = [
        (g.port, g.description or "-", g.device or t("unknown", lang), _verdict(g, lang)) for g in guesses
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths, strict=True)) + "  " + row[3])
    return 0


def _verdict(guess: PortGuess, lang: str) -> str:
    if guess.code == "match" and guess.device:
        from sensors.devices.device_kinds import get

        scores = guess.scores[guess.device]
        return t(
            "guess_match",
            lang,
            title=get(guess.device).title,
            packets=scores["packets"],
            corrupt=scores["corrupt"],
        )
    if guess.code == "unknown":
        return t("guess_unknown", lang, bytes=guess.bytes_heard)
    if guess.code == "unreadable":
        return t("guess_unreadable", lang, reason=guess.verdict.removeprefix("cannot open: "))
    translated = ("probe", "probe_daisy", "probe_v7", "silent")
    return t(f"guess_{guess.code}", lang) if guess.code in translated else guess.verdict
