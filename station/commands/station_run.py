"""`oasis station run`: the kiosk process (window or headless), its sessions, recovery and sync."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading

OUTPUTS = ("auto", "window", "headless", "xr")
RESTART_EXIT = 75  # EX_TEMPFAIL: the admin asked for a restart; systemd (Restart=on-failure) restarts


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", help="station.toml to use (default: $OASIS_STATION_CONFIG or /etc/oasis)")
    parser.add_argument(
        "--output",
        choices=OUTPUTS,
        help="where the scene goes (default: scene.output of the config; auto: xr with an "
        "OpenXR runtime, else window with a display, else headless)",
    )
    parser.add_argument(
        "--headless-script",
        metavar="FILE",
        help="no window: play a JSON/TOML script of taps and waits, then exit",
    )
    parser.add_argument(
        "--protocol",
        action="append",
        metavar="NAME",
        help="offer this protocol (library name or .toml; repeatable; default: the library)",
    )
    parser.add_argument("--scene", help="scene to render (default: scene.name of the config, lakeside)")


def choose_output(requested: str | None, has_display: bool, has_xr: bool) -> str:
    """The scene output: the requested one, else ("auto" or None) xr with a headset runtime, else
    window with a display, else headless."""
    if requested and requested != "auto":
        return requested
    if has_xr:
        return "xr"
    return "window" if has_display else "headless"


def run(args: argparse.Namespace) -> int:
    from protocols.loader import ProtocolError, find_protocol, library_names
    from station.config import ConfigError, load_config
    from station.kiosk.script import ScriptError, load_script
    from station.malloc_arenas import limit_malloc_arenas

    limit_malloc_arenas()  # before any thread: flat memory over months of sessions
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        cfg = load_config(args.config)
        protocols = [find_protocol(name) for name in (args.protocol or library_names())]
        steps = load_script(args.headless_script) if args.headless_script else None
        cfg.data_dir.mkdir(parents=True, exist_ok=True)
    except (ConfigError, ProtocolError, ScriptError) as exc:
        print(f"oasis station run: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"oasis station run: cannot create the data directory: {exc.strerror}", file=sys.stderr)
        return 2
    from station.commands.station_checks import check_xr_runtime

    has_display = bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    windowed = has_display and steps is None
    output = choose_output(args.output or cfg.scene.output, has_display, check_xr_runtime().level == "ok")
    if output == "window" and not has_display:
        print("oasis station run: --output window needs a display (DISPLAY is not set)", file=sys.stderr)
        return 2
    try:
        settings = scene_settings(cfg.scene, args.scene, output)
    except ValueError as exc:
        print(f"oasis station run: {exc}", file=sys.stderr)
        return 2
    return _Station(cfg, protocols, settings).serve(steps, windowed)


def scene_settings(scene_cfg, scene: str | None, output: str):
    """The kiosk's SceneSettings from the [scene] table, the --scene flag and the chosen output;
    a ValueError names the known scenes when the flag's is unknown."""
    from scenes.catalog import get_scene
    from station.kiosk.controller import SceneSettings

    name = get_scene(scene or scene_cfg.name).name
    headless = output == "headless"
    options = {"width": scene_cfg.headless_width, "height": scene_cfg.headless_height} if headless else {}
    return SceneSettings(name, output, options, scene_cfg.pace_fps or None)


def kiosk_status(controller) -> str:
    """systemd's STATUS= line for the kiosk: its screen and how many sessions ran (no officer data)."""
    screen, done = controller.screen.value, controller.sessions_finished
    return f"kiosk on the {screen} screen; {done} session(s) since start"


def attach_watchdog(controller, notifier):
    """Beat the systemd watchdog after every completed poll of the kiosk's main loop (window,
    headless loop or script alike); returns the Watchdog."""
    from station.systemd_notify import Watchdog

    watchdog = Watchdog(notifier, lambda: kiosk_status(controller))
    controller.on_poll = watchdog.beat
    return watchdog


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so the session and the store are closed properly."""


def _terminate(signum: int, frame: object) -> None:
    raise _Terminated


class _Station:
    def __init__(self, cfg, protocols, scene) -> None:
        self.cfg, self.protocols, self.scene = cfg, protocols, scene

    def serve(self, steps, windowed: bool) -> int:
        from station.commands.kiosk_process import KioskProcess
        from station.systemd_notify import Notifier

        cfg = self.cfg
        notifier = Notifier.from_environment()  # under systemd (Type=notify): READY, STATUS, WATCHDOG
        process = KioskProcess(cfg, self.protocols, self.scene)
        watchdog = attach_watchdog(process.controller, notifier)
        print(
            f"oasis station run: {cfg.station_id}, data in {cfg.data_dir}; {len(process.interrupted)} "
            f"interrupted session(s) marked, {process.purged} old recording(s) and report(s) deleted; scene "
            f"{self.scene.scene}, scene output {self.scene.output}",
            flush=True,
        )
        signal.signal(signal.SIGTERM, _terminate)  # systemd's stop: end a running session as aborted
        try:
            process.start()
            if process.sync is None:
                print("oasis station run: no admin.url and discovery off: sessions stay local", flush=True)
            self._print_bridges(process.bridges)
            controller = process.controller
            watchdog.ready()
            if steps is not None:
                return self._scripted(controller, steps)
            if windowed:
                self._window(controller)
            else:
                serve_headless(controller, process.stop)
            if controller.restart_requested:
                print("oasis station run: restarting, as the admin asked", flush=True)
                return RESTART_EXIT
            return 0
        except _Terminated:
            return 0
        except KeyboardInterrupt:
            return 130
        finally:
            watchdog.stopping()
            process.close()
            notifier.close()

    @staticmethod
    def _print_bridges(bridges) -> None:
        for row in bridges.rows():
            state = "started" if row.running else "not started (autostart = false)"
            print(f"oasis station run: device {row.name} ({row.kind}, {row.port}) {state}", flush=True)

    def _scripted(self, controller, steps) -> int:
        from station.kiosk.script import run_script

        problems = run_script(controller, steps)
        if controller.leave_requested:
            print("oasis station run: the technician left the kiosk", flush=True)
        for outcome in controller.outcomes:
            print(
                f"session {outcome.session_uuid} {outcome.status.value} "
                f"({outcome.updates} feature updates, usable {outcome.usable_fraction:.0%})",
                flush=True,
            )
        for line in controller.model.summary.get("en", []):
            print(f"  {line}", flush=True)
        for problem in problems:
            print(f"oasis station run: {problem}", file=sys.stderr)
        return 1 if problems else 0

    def _window(self, controller) -> None:
        import pyglet

        from station.kiosk.window import KioskApp

        controller.show_stills(self.cfg.data_dir / "stills")  # a screen to show them on: render the missing
        app = KioskApp(controller.flow, controller.model, controller.apply, on_tap=controller.tap)

        def poll(dt: float) -> None:
            controller.poll(dt)
            if controller.leave_requested:
                pyglet.app.exit()

        pyglet.clock.schedule_interval(poll, 0.1)
        app.run()


def serve_headless(controller, stop: threading.Event) -> None:
    """No display: no one can touch the kiosk; keep recovery and sync running until stopped."""
    print("oasis station run: no display; headless (sync only, no sessions without a script)", flush=True)
    while not stop.wait(0.1) and not controller.leave_requested:
        controller.tick()
