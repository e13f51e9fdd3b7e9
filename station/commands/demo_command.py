"""`oasis demo`: one complete simulated session, end to end, then synced to an embedded admin server.

simulated officer (LSL: EEG, ECG, EDA, RESP, RR; serial: a CMS50D+ pulse oximeter emulated on a pty
and bridged to LSL) → acquisition → feature pipeline → protocol engine → lakeside scene rendered
headless in its own process → session stored (SQLite) and recorded (XDF) → report (PNG) → synced
to the admin server embedded on loopback, whose URL it prints.

Runs in a private LSL session: the demo never mixes with real sensors on the network.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

STATION_ID = "demo-station"


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", default="var/demo", help="where the demo keeps its data")
    parser.add_argument(
        "--scenario",
        default="relaxing",
        choices=["relaxing", "stressed", "steady"],
        help="the simulated officer (default relaxing)",
    )
    parser.add_argument("--seed", type=int, default=0, help="simulator seed")
    parser.add_argument("--scene", default="lakeside", help="scene to render (default lakeside)")
    parser.add_argument(
        "--serve",
        type=float,
        default=0.0,
        metavar="S",
        help="keep the admin server up S seconds after the session (0: exit at once)",
    )


def _say(zh: str, en: str) -> None:
    print(f"· {zh} / {en}", flush=True)


def run(args: argparse.Namespace) -> int:
    if args.serve < 0:
        print("oasis demo: --serve must be >= 0", file=sys.stderr)
        return 2
    from sensors.lsl.isolation import isolate_lsl

    if "pylsl" not in sys.modules:
        isolate_lsl("oasis-demo")
    data_dir = Path(args.data_dir).resolve()
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"oasis demo: cannot create {data_dir}: {exc.strerror}", file=sys.stderr)
        return 2
    return _Demo(args, data_dir).run()


class _Demo:
    def __init__(self, args: argparse.Namespace, data_dir: Path) -> None:
        self.args, self.data_dir = args, data_dir

    def run(self) -> int:
        from protocols.loader import load_protocol
        from sensors.sim.officer_state import Scenario

        protocol = load_protocol(Path(__file__).with_name("demo_protocol.toml"))
        scenario = Scenario.named(self.args.scenario, protocol.duration_s + 30.0, 6.0)
        print(
            f"oasis demo: {protocol.name.zh} / {protocol.name.en}, {protocol.duration_s:g} s, "
            f"data in {self.data_dir}",
            flush=True,
        )
        sensors = self._start_sensors(scenario)
        admin = None
        try:
            admin, password = self._start_admin()
            return self._session(protocol, admin, password)
        finally:
            if admin is not None and self.args.serve > 0:
                print(f"admin server stays up {self.args.serve:g} s at {admin.url}", flush=True)
                time.sleep(self.args.serve)
            if admin is not None:
                admin.stop()
            for stop in reversed(sensors):
                stop()

    def _start_sensors(self, scenario) -> list:
        from sensors.devices.bridge import SerialBridge
        from sensors.devices.device_kinds import get
        from sensors.devices.emulator import PtyEmulator
        from sensors.devices.sim_device import sim_device
        from sensors.sim.outlets import SimPublisher
        from sensors.sim.streams import build_generators

        streams = ["eeg", "ecg", "eda", "resp", "rr"]  # PPG comes over serial from the CMS50D+
        publisher = SimPublisher(build_generators(streams, scenario, self.args.seed), "oasis-demo")
        publisher.start()
        emulator = PtyEmulator(sim_device("cms50d", scenario, self.args.seed)).start()
        bridge = SerialBridge(get("cms50d"), emulator.path).start()
        _say(
            "模拟传感器已启动",
            f"simulated sensors: LSL EEG/ECG/EDA/RESP/RR + CMS50D+ on serial {emulator.path}",
        )
        return [publisher.stop, emulator.stop, bridge.stop]

    def _start_admin(self):
        from station.sync.embedded_admin import EmbeddedAdmin

        admin = EmbeddedAdmin(self.data_dir / "admin.db").start()
        password = admin.ensure_admin()
        _say("管理后台已启动", f"admin server at {admin.url}")
        return admin, password

    def _session(self, protocol, admin, password) -> int:
        from sensors.lsl.stream_catalog import SourceRegistry, StreamCatalog
        from station.session.runtime import SessionRuntime
        from station.session.scene_process import SceneProcess
        from station.store import SessionStore

        store = SessionStore(self.data_dir / "station.db", station_id=STATION_ID)
        interrupted = store.interrupt_running()
        if interrupted:
            _say("发现中断的会话", f"{len(interrupted)} interrupted session(s) from an earlier run marked")
        code = store.new_officer()
        _say(f"签到：新警员编号 {code}", f"check-in: new pseudonymous officer code {code}")
        _say("选择课程：演示；练习前压力 6/10", "program: demo; stress before 6/10, mood 2/5")

        registry = SourceRegistry(StreamCatalog(buffer_seconds=30.0))
        if not self._sensor_check(registry):
            registry.close()
            print("oasis demo: sensors not ready", file=sys.stderr)
            return 1
        frames_dir = self.data_dir / "frames"
        frames_dir.mkdir(exist_ok=True)
        scene = SceneProcess(
            self.args.scene,
            "headless",
            {"width": 320, "height": 180, "stereo": True},
            pace_fps=15.0,
            save_dir=frames_dir,
            save_every_s=15.0,
        ).start()
        last_phase: list[str] = []

        def show(out) -> None:
            if not last_phase or out.phase != last_phase[0]:
                last_phase[:] = [out.phase]
                p = out.params
                print(
                    f"  [{out.elapsed:5.1f} s] phase {out.phase:<9} warmth {p['warmth']:.2f} "
                    f"motion {p['motion']:.2f} fog {p['fog']:.2f}",
                    flush=True,
                )

        _say("开始会话（基线 → 训练 → 放松）", "session running (baseline → training → cooldown)")
        runtime = SessionRuntime(
            store, registry, protocol, scene, self.data_dir / "recordings", STATION_ID, on_output=show
        )
        outcome = runtime.run(code, pre_stress=6, pre_mood=2, max_seconds=protocol.duration_s + 60.0)
        store.set_post_ratings(outcome.session_uuid, stress=3, mood=4)
        _say("练习后压力 3/10", "stress after 3/10, mood 4/5")
        record = store.session(outcome.session_uuid)
        report = self._report(outcome, record.phase_summaries if record else None)
        synced = self._sync(store, admin)
        self._print_result(outcome, report, admin, password, synced)
        return 0 if outcome.status.value == "completed" and synced else 1

    def _sensor_check(self, registry, timeout: float = 30.0) -> bool:
        from sensors.lsl.inlet import wait_for
        from sensors.types import StreamKind

        kinds = [StreamKind.EEG, StreamKind.ECG, StreamKind.PPG, StreamKind.EDA]

        def ready() -> bool:
            inlets = [registry.get(kind) for kind in kinds]
            registry.catalog.update()
            return all(i is not None and i.status().state == "receiving" for i in inlets)

        ok = wait_for(ready, timeout=timeout, poll=0.2)
        for kind in kinds:
            inlet = registry.get(kind)
            if inlet is None:
                print(f"  {kind.value:<4} missing / 未连接", flush=True)
                continue
            s = inlet.status()
            print(
                f"  {kind.value:<4} {s.description.name:<22} {s.description.nominal_srate:>5g} Hz  "
                f"{s.verdict.level.value}",
                flush=True,
            )
        _say("传感器检查完成" if ok else "传感器未就绪", "sensor check passed" if ok else "sensors not ready")
        return ok

    def _report(self, outcome, stored: dict | None) -> Path | None:
        from station.session.report_figure import ReportError, draw_report, load_traces

        out = self.data_dir / "reports" / f"{outcome.session_uuid}.png"
        out.parent.mkdir(exist_ok=True)
        try:
            lines = draw_report(
                load_traces(outcome.xdf_path), out, f"Oasis demo {outcome.session_uuid[:8]}", stored=stored
            )
        except ReportError as exc:
            print(f"  report not drawn: {exc}", flush=True)
            return None
        for line in lines:
            print(f"  {line}", flush=True)
        return out

    def _sync(self, store, admin, timeout: float = 60.0) -> bool:
        from station.sync.client import SyncClient, SyncConfig

        client = SyncClient(
            store,
            SyncConfig(STATION_ID, "Oasis demo station", self.data_dir / "sync", admin_url=admin.url),
        )
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                client.step()
                state = client.state
                if state.pairing == "pending" and state.pairing_code:
                    admin.approve(STATION_ID, state.pairing_code)
                elif state.pairing == "paired" and store.backlog() == 0:
                    break
                time.sleep(0.2)
        finally:
            client.close()
        synced = store.backlog() == 0
        _say(
            "已同步到管理后台" if synced else "同步未完成",
            f"synced to the admin server ({admin.session_count()} session(s) there)"
            if synced
            else f"sync incomplete: {client.state.last_error}",
        )
        return synced

    def _print_result(self, outcome, report, admin, password, synced) -> None:
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
        print(f"  store     {self.data_dir / 'station.db'}")
        print(f"  XDF       {outcome.xdf_path}")
        if report:
            print(f"  report    {report}")
        print(f"  admin     {admin.url}  (synced: {'yes' if synced else 'no'})")
        if password:
            print(f"  login     demo-admin / {password}   (new account; shown once)")
        print(f"  browse later: oasis admin serve --db sqlite:///{self.data_dir / 'admin.db'}", flush=True)
