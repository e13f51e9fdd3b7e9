"""`oasis demo`: one complete simulated session through the real kiosk, then synced to an admin server.

The demo is the station itself, driven by a script: it writes a station configuration into its data
dir (the demo program, headless output, the simulated oximeter as a ``[[devices]]`` entry, the
embedded admin's URL) and plays the headless script through the same ``KioskProcess`` as
`oasis station run --headless-script` — check-in → program → rating → the kiosk's sensor check →
session → post rating → summary.

    simulated officer: LSL EEG, ECG, EDA, RESP, RR + a CMS50D+ emulated on a pty (bridged to LSL by
    the station's BridgeManager) → KioskController → SessionRuntime (pipeline → engine → lakeside
    scene rendered headless in its own process; SQLite store, XDF recording) → report (PNG) →
    background sync to the admin server embedded on loopback, whose URL it prints.

Runs in a private LSL session: the demo never mixes with real sensors on the network.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from protocols.engine import StepOutput
    from protocols.protocol_model import Protocol
    from sensors.sim.faults import Fault
    from sensors.sim.officer_state import Scenario
    from station.commands.kiosk_process import KioskProcess
    from station.config import StationConfig
    from station.session.runtime import SessionOutcome
    from station.store.models import SessionRecord
    from station.sync import SyncClient
    from station.sync.embedded_admin import EmbeddedAdmin

STATION_ID = "demo-station"
PROTOCOL_FILE = Path(__file__).with_name("demo_protocol.toml")
PRE_RATING, POST_RATING = (6, 2), (3, 4)  # (stress 0-10, mood 1-5)
SCRIPT: list[dict[str, object]] = [
    {"tap": "begin"},
    {"tap": "new_code"},
    {"tap": "submit_code"},
    {"tap": "program:demo"},
    {"tap": f"stress:{PRE_RATING[0]}"},
    {"tap": f"mood:{PRE_RATING[1]}"},
    {"tap": "rate"},
    {"wait_for": "baseline", "timeout_s": 60},  # the kiosk's own sensor check lets the session start
    {"wait_for": "post_rating", "timeout_s": 240},
    {"tap": f"stress:{POST_RATING[0]}"},
    {"tap": f"mood:{POST_RATING[1]}"},
    {"tap": "rate"},
    {"wait_for": "summary", "timeout_s": 120},
]


def kiosk_script(officer: str | None) -> list[dict[str, object]]:
    """The demo's taps: a new officer code, or ``officer`` (normalised) typed on the keypad."""
    if officer is None:
        return SCRIPT
    typed: list[dict[str, object]] = [{"tap": f"key:{ch}"} for ch in officer]
    return [SCRIPT[0], *typed, *SCRIPT[2:]]


LEAVE_SUMMARY = [{"tap": "done"}, {"wait_for": "idle", "timeout_s": 10}]
SIM_STREAMS = ["eeg", "ecg", "eda", "resp", "rr"]  # PPG comes over serial from the CMS50D+
DEVICE_READY_S = 30.0
PAIRING_S = 30.0
SYNC_S = 60.0
MAX_SERVE_S = 86_400.0  # --serve: at most a day


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", default="var/demo", help="where the demo keeps its data")
    parser.add_argument(
        "--scenario",
        default="relaxing",
        choices=["relaxing", "stressed", "steady"],
        help="the simulated officer (default relaxing)",
    )
    parser.add_argument("--seed", type=int, default=0, help="simulator seed")
    parser.add_argument(
        "--officer",
        metavar="CODE",
        help="check in with this officer code instead of a new one (two demos build a history)",
    )
    parser.add_argument("--scene", default="lakeside", help="scene to render (default lakeside)")
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="SPEC",
        help="inject a sensor fault as in `oasis sim --fault`, seconds from the simulator's start, e.g. "
        "flat:ecg:15@35; ppg is the serial oximeter (flat, clip or mains only); repeatable",
    )
    parser.add_argument(
        "--serve",
        type=float,
        default=0.0,
        metavar="S",
        help="keep the admin server up S seconds after the session (0: exit at once)",
    )


def say(zh: str, en: str) -> None:
    """One line of the demo's narration, Chinese first."""
    print(f"· {zh} / {en}", flush=True)


def run(args: argparse.Namespace) -> int:
    if not (math.isfinite(args.serve) and 0 <= args.serve <= MAX_SERVE_S):
        print(f"oasis demo: --serve must be from 0 to {MAX_SERVE_S:g} s", file=sys.stderr)
        return 2
    if args.seed < 0:
        print("oasis demo: --seed must be 0 or more", file=sys.stderr)
        return 2
    from sensors.lsl.isolation import isolate_lsl
    from station.store.officer_codes import InvalidOfficerCode, normalise

    if args.officer is not None:
        try:
            args.officer = normalise(args.officer)
        except InvalidOfficerCode as exc:
            print(f"oasis demo: --officer {args.officer!r}: {exc}", file=sys.stderr)
            return 2

    try:
        args.faults = demo_faults(args.fault)
    except ValueError as exc:
        print(f"oasis demo: {exc}", file=sys.stderr)
        return 2
    if "pylsl" not in sys.modules:
        isolate_lsl("oasis-demo")
    data_dir = Path(args.data_dir).resolve()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"oasis demo: cannot create {data_dir}: {exc.strerror}", file=sys.stderr)
        return 2
    try:
        from scenes.catalog import get_scene

        get_scene(args.scene)
    except ValueError as exc:
        print(f"oasis demo: {exc}", file=sys.stderr)
        return 2
    return Demo(args, data_dir).run()


def demo_faults(specs: list[str]) -> list[Fault]:
    """The ``--fault`` values, parsed; ``ppg`` (the serial oximeter) takes only what a device can send."""
    from sensors.devices.sim_device import SERIAL_FAULT_KINDS
    from sensors.sim.faults import parse_fault

    faults = [parse_fault(spec, [*SIM_STREAMS, "ppg"]) for spec in specs]
    for fault in faults:
        if fault.stream == "ppg" and fault.kind not in SERIAL_FAULT_KINDS:
            raise ValueError(
                f"bad --fault {str(fault)!r}: the oximeter is serial, use {', '.join(SERIAL_FAULT_KINDS)}"
            )
    return faults


def station_toml(data_dir: Path, admin_url: str, scene: str, oximeter_port: str) -> str:
    """The demo station's configuration: its data dir, headless output, the oximeter, the admin."""
    quoted = json.dumps  # a JSON string is a valid TOML basic string
    return (
        f'[station]\nid = "{STATION_ID}"\nname = "Oasis demo station"\n'
        f'[storage]\ndata_dir = {quoted(str(data_dir))}\ndatabase = "station.db"\n'
        f"[admin]\nurl = {quoted(admin_url)}\ndiscover = false\n"
        f'[scene]\nname = {quoted(scene)}\noutput = "headless"\n'
        "headless_width = 320\nheadless_height = 180\npace_fps = 15\n"
        f'[[devices]]\nname = "oximeter"\nkind = "cms50d"\nport = {quoted(oximeter_port)}\n'
    )


class Demo:
    """The simulated officer, the embedded admin and the station, started and stopped in order."""

    def __init__(self, args: argparse.Namespace, data_dir: Path) -> None:
        self.args, self.data_dir = args, data_dir
        self.interrupted = False  # Ctrl+C: stop everything at once, without the --serve wait

    def run(self) -> int:
        from protocols.loader import load_protocol
        from sensors.sim.officer_state import Scenario

        protocol = load_protocol(PROTOCOL_FILE)
        scenario = Scenario.named(self.args.scenario, protocol.duration_s + 30.0, 6.0)
        print(
            f"oasis demo: {protocol.name.zh} / {protocol.name.en}, {protocol.duration_s:g} s, "
            f"data in {self.data_dir}",
            flush=True,
        )
        stops: list[Callable[[], object]] = []
        try:
            oximeter_port = self._start_officer(scenario, stops)
            admin = self._start_admin(stops)
            password = admin.ensure_admin()
            config = self.data_dir / "station.toml"
            config.write_text(
                station_toml(self.data_dir, admin.url, self.args.scene, oximeter_port), encoding="utf-8"
            )
            return self._station(config, protocol, admin, password)
        except KeyboardInterrupt:
            self.interrupted = True
            raise
        finally:
            for stop in reversed(stops):
                stop()

    def _start_officer(self, scenario: Scenario, stops: list[Callable[[], object]]) -> str:
        """The simulated officer's LSL streams and CMS50D+ (on a pty); returns the pty's path."""
        from sensors.devices.emulator import PtyEmulator
        from sensors.devices.sim_device import sim_device
        from sensors.sim.outlets import SimPublisher
        from sensors.sim.streams import build_generators

        faults: list[Fault] = self.args.faults
        publisher = SimPublisher(
            build_generators(SIM_STREAMS, scenario, self.args.seed),
            "oasis-demo",
            [f for f in faults if f.stream != "ppg"],
            on_event=lambda line: print(f"  [sim {publisher.elapsed:5.1f} s] {line}", flush=True),
        )
        publisher.start()
        stops.append(publisher.stop)
        oximeter = sim_device("cms50d", scenario, self.args.seed, [f for f in faults if f.stream == "ppg"])
        emulator = PtyEmulator(oximeter).start()
        stops.append(emulator.stop)
        say(
            "模拟警员已就位",
            f"simulated officer: LSL EEG/ECG/EDA/RESP/RR + CMS50D+ on serial {emulator.path}",
        )
        for fault in faults:
            say(
                f"故障注入：{fault}（模拟器第 {fault.start_s:g}–{fault.end_s:g} 秒）",
                f"fault {fault}: {fault.kind} {fault.stream} from {fault.start_s:g} s to {fault.end_s:g} s",
            )
        return emulator.path

    def _start_admin(self, stops: list[Callable[[], object]]) -> EmbeddedAdmin:
        from station.sync.embedded_admin import EmbeddedAdmin

        admin = EmbeddedAdmin(self.data_dir / "admin.db").start()
        serve_s = self.args.serve

        def stop() -> None:
            if serve_s > 0 and not self.interrupted:
                print(f"admin server stays up {serve_s:g} s at {admin.url}", flush=True)
                time.sleep(serve_s)
            admin.stop()

        stops.append(stop)
        say("管理后台已启动", f"admin server at {admin.url}")
        return admin

    def _station(self, config: Path, protocol: Protocol, admin: EmbeddedAdmin, password: str | None) -> int:
        from station.commands.kiosk_process import KioskProcess
        from station.commands.station_run import scene_settings
        from station.config import load_config

        cfg = load_config(config)
        frames_dir = self.data_dir / "frames"
        frames_dir.mkdir(exist_ok=True)
        scene = replace(scene_settings(cfg.scene, None, "headless"), save_dir=frames_dir, save_every_s=15.0)
        process = KioskProcess(cfg, [protocol], scene)
        process.controller.on_output = PhasePrinter()
        say(f"站点配置 {config}", f"station configuration {config}")
        if process.interrupted:
            say(
                "发现中断的会话",
                f"{len(process.interrupted)} interrupted session(s) from an earlier run marked",
            )
        try:
            process.start()
            if not (self._await_oximeter(process) and self._await_pairing(process, admin)):
                return 1
            outcome = self._visit(process)
            if outcome is None:
                return 1
            report = self._report(process, outcome)
            synced = self._await_sync(process, admin)
            self._print_result(cfg, outcome, report, admin, password, synced)
            record = process.store.session(outcome.session_uuid)
            if record is not None and record.data_quality.get("flagged"):
                print(f"  quality   flagged: {record.data_quality.get('notes', '')}", flush=True)
            return 0 if outcome.status.value == "completed" and synced else 1
        finally:
            process.close("the demo is ending")

    @staticmethod
    def _await_oximeter(process: KioskProcess) -> bool:
        """Wait for the station's bridge to stream the oximeter's PPG to LSL."""
        from sensors.lsl.inlet import wait_for

        ok = wait_for(lambda: all(row.level == "good" for row in process.bridges.rows()), DEVICE_READY_S, 0.2)
        for row in process.bridges.rows():
            print(f"  device {row.name} ({row.kind}, {row.port}): {row.detail}", flush=True)
        if not ok:
            print("oasis demo: the oximeter's bridge is not streaming", file=sys.stderr)
        return ok

    @staticmethod
    def _await_pairing(process: KioskProcess, admin: EmbeddedAdmin) -> bool:
        """Wait until the station is paired with the admin server; True once it is."""
        from sensors.lsl.inlet import wait_for

        sync = process.sync
        assert sync is not None  # the demo's configuration names the admin's URL
        if wait_for(lambda: approve_pending(sync.client, admin), PAIRING_S, 0.2):
            return True
        print(f"oasis demo: not paired with the admin: {sync.client.state.last_error}", file=sys.stderr)
        return False

    def _visit(self, process: KioskProcess) -> SessionOutcome | None:
        """The officer's visit, tapped on the kiosk by the headless script; the outcome, None on a
        step that did not happen."""
        from station.kiosk.script import parse_script, run_script

        controller = process.controller
        say(
            "签到 → 选择课程 → 练习前评分 → 传感器检查 → 会话 → 练习后评分 → 小结",
            "kiosk script: check-in → program → rating → sensor check → session → rating → summary",
        )
        script = kiosk_script(self.args.officer)
        problems = run_script(controller, parse_script(json.dumps({"steps": script}), "demo script"))
        for problem in problems:
            print(f"oasis demo: {problem}", file=sys.stderr)
        if problems or not controller.outcomes:
            return None
        code = controller.flow.context.officer_code
        if self.args.officer is None:
            say(f"签到：新警员编号 {code}", f"check-in: new pseudonymous officer code {code}")
        else:
            say(f"签到：警员编号 {code}", f"check-in: officer code {code}")
        history = f"oasis officer history {code} --data-dir {self.data_dir}"
        say(f"本人记录：{history}", f"the officer's history: {history}")
        say(
            f"练习前压力 {PRE_RATING[0]}/10，心情 {PRE_RATING[1]}/5；练习后压力 {POST_RATING[0]}/10，"
            f"心情 {POST_RATING[1]}/5",
            f"stress before {PRE_RATING[0]}/10, mood {PRE_RATING[1]}/5; "
            f"after {POST_RATING[0]}/10, mood {POST_RATING[1]}/5",
        )
        rows = ", ".join(f"{s.kind} {s.level}" for s in controller.model.sensors)
        say(f"传感器检查：{rows}", f"kiosk sensor check: {rows}")
        say("小结（信息亭所示）：", "the kiosk's summary (in English with the report below):")
        for line in controller.model.summary.get("zh-CN", []):
            print(f"    {line}", flush=True)
        run_script(controller, parse_script(json.dumps({"steps": LEAVE_SUMMARY}), "demo script"))
        return controller.outcomes[-1]

    def _report(self, process: KioskProcess, outcome: SessionOutcome) -> Path | None:
        from station.session.report_figure import ReportError, draw_report, load_traces

        record = process.store.session(outcome.session_uuid)
        out = process.cfg.reports_dir / f"{outcome.session_uuid}.png"
        out.parent.mkdir(exist_ok=True)
        try:
            lines = draw_report(
                load_traces(outcome.xdf_path),
                out,
                demo_report_title(record) if record else f"Oasis demo {outcome.session_uuid[:8]}",
                stored=record.phase_summaries if record else None,
            )
        except ReportError as exc:
            print(f"  report not drawn: {exc}", flush=True)
            return None
        for line in lines:
            print(f"  {line}", flush=True)
        return out

    @staticmethod
    def _await_sync(process: KioskProcess, admin: EmbeddedAdmin) -> bool:
        """Wait for the kiosk's background sync to empty the outbox (post ratings included)."""
        from sensors.lsl.inlet import wait_for

        sync = process.sync

        def synced_now() -> bool:
            paired = sync is not None and approve_pending(sync.client, admin)
            return paired and process.store.backlog() == 0

        synced = wait_for(synced_now, SYNC_S, 0.2)
        error = sync.client.state.last_error if sync is not None else "no sync"
        say(
            "已同步到管理后台" if synced else "同步未完成",
            f"synced to the admin server ({admin.session_count()} session(s) there)"
            if synced
            else f"sync incomplete: {error}",
        )
        return synced

    def _print_result(
        self,
        cfg: StationConfig,
        outcome: SessionOutcome,
        report: Path | None,
        admin: EmbeddedAdmin,
        password: str | None,
        synced: bool,
    ) -> None:
        stats = outcome.scene_stats
        print("\nOasis demo result / 演示结果", flush=True)
        print(
            f"  session   {outcome.session_uuid}  {outcome.status.value}"
            + (f" ({outcome.stopped_reason})" if outcome.stopped_reason else "")
        )
        print(
            f"  features  {outcome.updates} updates, {outcome.dropped_updates} dropped, "
            f"usable {outcome.usable_fraction:.0%}"
        )
        if stats:
            print(
                f"  scene     {stats['frames']} frames, CPU per frame p50 {stats['frame_ms_p50']:.2f} ms "
                f"p99 {stats['frame_ms_p99']:.2f} ms; stills {', '.join(stats['saved'][:2])}"
            )
        print(f"  store     {cfg.database}")
        print(f"  XDF       {outcome.xdf_path}")
        if report:
            print(f"  report    {report}")
        print(f"  admin     {admin.url}  (synced: {'yes' if synced else 'no'})")
        if password:
            print(f"  login     demo-admin / {password}   (new account; shown once)")
        print(f"  browse later: oasis admin serve --db sqlite:///{self.data_dir / 'admin.db'}", flush=True)


def demo_report_title(record: SessionRecord) -> str:
    """The report's heading for the demo's session (program, officer code, local time, ratings)."""
    from station.session.report_texts import report_heading

    return report_heading(
        program=record.program,
        officer_code=record.officer_code,
        started_at=record.started_at,
        status=record.status.value,
        ratings=(record.pre_stress, record.pre_mood, record.post_stress, record.post_mood),
        language="en",
    )


def approve_pending(client: SyncClient, admin: EmbeddedAdmin) -> bool:
    """Approve the station's pending pairing code on the admin server, as an admin does on the
    Stations page (the station asks again at once); True when the station is paired."""
    code = client.pending_pairing_code()
    if code and admin.approve(STATION_ID, code):
        say(f"管理员已批准配对（配对码 {code}）", f"the admin approved pairing code {code}")
        client.wake()
    return client.state.pairing == "paired"


class PhasePrinter:
    """Prints the scene's parameters each time the protocol engine enters a new phase."""

    def __init__(self) -> None:
        self.phase = ""

    def __call__(self, out: StepOutput) -> None:
        if out.phase == self.phase:
            return
        self.phase = out.phase
        p = out.params
        print(
            f"  [{out.elapsed:5.1f} s] phase {out.phase:<9} warmth {p['warmth']:.2f} "
            f"motion {p['motion']:.2f} fog {p['fog']:.2f}",
            flush=True,
        )
