"""Render the officer's kiosk pages headless (pyglet on Mesa EGL) to PNGs in both languages, for
docs/kiosk/. Usage: ``.venv/bin/python scripts/kiosk_screenshots.py [OUT_DIR [PAGE...]]`` (default
docs/kiosk, every page).

The pages are laid out by the real layout code from a real session store holding a sample officer's
visits (a temporary file), so what is saved is what the kiosk shows."""

from __future__ import annotations

import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyglet

pyglet.options["headless"] = True

from PIL import Image  # noqa: E402  (pyglet options must be set before windows exist)

from protocols.loader import find_protocol  # noqa: E402
from protocols.protocol_model import OnLoss  # noqa: E402
from station.kiosk import flow as f  # noqa: E402
from station.kiosk.controller import program_for  # noqa: E402
from station.kiosk.kiosk_model import KioskModel, SensorStatus  # noqa: E402
from station.kiosk.layout import layout  # noqa: E402
from station.kiosk.render import draw  # noqa: E402
from station.kiosk.scene_stills import SceneStills  # noqa: E402
from station.session.sensor_notice import sensor_notice  # noqa: E402
from station.session.summary import describe_changes, describe_unmeasured  # noqa: E402
from station.store import SessionStore  # noqa: E402
from station.store.models import SessionStatus  # noqa: E402
from station.store.officer_codes import new_code, normalise  # noqa: E402
from station.store.officer_history import history, local_summaries  # noqa: E402
from station.store.practice_points import practice  # noqa: E402

WIDTH, HEIGHT = 1280, 800
PICTURE_PAGES = ("idle", "program")
# the officer's PIN pad: (typed, notice); "exists": a PIN set meanwhile at another station of the room
PIN_PAGES = {"history_pin": ("1234", "opin_wrong"), "history_pin_exists": ("", "opin_exists")}
PROGRAMS = [
    program_for(find_protocol(name), "lakeside")
    for name in ("mindfulness-15", "coherent-breathing", "alpha-relax", "quick-reset", "resonance-assessment")
]


def sample_visits(store: SessionStore, code: str) -> None:
    """Eight visits two days apart: stress before falls, resting HR eases, HRV rises."""
    store.check_in(code)
    for i in range(8):
        uuid = store.start_session(code, PROGRAMS[i % 2].id, pre_stress=8 - i // 2, pre_mood=2 + i // 4)
        store.record_phase_summary(
            uuid,
            "baseline",
            {"hr": 79.0 - i, "rmssd": 27.0 + 1.5 * i, "alpha_rel": 0.18, "scl": 6.2 - 0.1 * i},
        )
        store.record_phase_summary(
            uuid,
            "training",
            {
                "hr": 72.0 - i,
                "rmssd": 38.0 + 2 * i,
                "alpha_rel": 0.27 + 0.01 * i,
                "scl": 5.0 - 0.1 * i,
                "duration_s": 780.0,
                "feedback_s": 770.0,
            },
        )
        store.finish_session(uuid, SessionStatus.COMPLETED)
        store.set_post_ratings(uuid, max(0, 4 - i // 2), 4)


def pages(
    language: str,
    entries: list,  # type: ignore[type-arg]
    stills: dict[str, str],
) -> dict[str, tuple[KioskModel, f.SessionFlow]]:
    """The pages this script saves, each as (model, flow); ``stills`` are the scenes' pictures."""
    out = {}
    today = datetime.fromisoformat(entries[-1].started_at).date()
    names = (
        "idle",
        "idle_maintenance",
        "idle_quiet_hours",
        "new_code",
        "pre_rating",
        "program",
        "history",
        "history_last_only",
        "history_pin",
        "history_pin_exists",
    )
    names = (*names, "sensor_check_storage_full")
    pages_after = ("session", "session_sensor_lost", "post_rating", "summary", "summary_sensor_lost")
    for name in (*names, *pages_after, "summary_reminder"):
        model = KioskModel(
            PROGRAMS,
            check_code=normalise,
            new_code=lambda: "K7PQ3XM",
            verify_pin=lambda pin: False,
            language=language,
            attract_scene="lakeside",
            stills=stills,
        )
        flow = f.SessionFlow()
        if name.startswith("idle"):  # idle_maintenance, idle_quiet_hours: no session starts
            model.station_name = "第一法庭减压驿站"
            model.closed = name.removeprefix("idle").removeprefix("_")
            model.closed_until = "07:00" if model.closed == "quiet_hours" else ""
            out[name] = (model, flow)
            continue
        flow.handle(f.Begin(), 0.0)
        if name == "new_code":
            model.tap("new_code", flow.screen)
            out[name] = (model, flow)
            continue
        flow.handle(f.CheckedIn("K7PQ3XM"), 0.0)
        if name.startswith("session"):
            flow.handle(f.ProgramChosen("mindfulness-15", 120, 780), 0.0)
            flow.handle(f.Rated(7, 2), 0.0)
            flow.handle(f.SensorsReady(), 0.0)
            flow.tick(301.0)  # the pages are drawn at 301 s: five minutes in
        if name == "session_sensor_lost":  # the runtime's notice, as the controller copies it
            notice = sensor_notice({"heart": "no samples"}, OnLoss.FREEZE)
            assert notice is not None
            model.sensor_notice = {"zh-CN": notice.zh, "en": notice.en}
        if name == "post_rating":
            flow.handle(f.ProgramChosen("quick-reset", 0, 300), 0.0)
            flow.handle(f.Rated(7, 2), 0.0)
            flow.handle(f.SensorsReady(), 0.0)
            flow.tick(301.0)
            model.stress, model.mood = 3, 4
        if name == "sensor_check_storage_full":  # the disk is full: the session is refused
            flow.handle(f.ProgramChosen("quick-reset", 0, 300), 0.0)
            flow.handle(f.Rated(7, 2), 0.0)
            model.sensors = [SensorStatus("ECG", "good"), SensorStatus("EDA", "good")]
            model.notice = "storage_full"
        if name == "pre_rating":
            flow.handle(f.ProgramChosen("quick-reset", 0, 300), 0.0)
            model.stress, model.mood, model.topic = 7, 2, "case_load"
        if name == "history":
            model.history, model.history_open, model.history_source = entries, True, "admin"
            model.practice = practice(entries, today)
        if name == "history_last_only":
            model.history, model.history_open, model.history_limited = entries[-1:], True, True
        if name in PIN_PAGES:
            model.officer_pin_mode = "unlock"
            model.officer_pin_entry, model.notice = PIN_PAGES[name]
        if name.startswith("summary"):
            flow.handle(f.ProgramChosen("quick-reset", 0, 300), 0.0)
            flow.handle(f.Rated(7, 2), 0.0)
            flow.handle(f.SensorsReady(), 0.0)
            flow.tick(301.0)
            flow.handle(f.Rated(3, 4), 301.0)
            means = {
                "baseline": {"hr": 76.0, "rmssd": 29.0, "alpha_rel": 0.19, "scl": 6.0},
                "session": {"hr": 69.0, "rmssd": 44.0, "alpha_rel": 0.3, "scl": 4.6},
            }
            model.summary = {lang: describe_changes(means, lang) for lang in ("zh-CN", "en")}
            if name == "summary_sensor_lost":  # the heart strap went flat for 42 s; no RMSSD in the session
                del means["session"]["rmssd"]
                quality = {"sensor_losses": [{"kind": "heart", "reason": "flat line", "lost_s": 42.0}]}
                model.summary = {
                    lang: describe_changes(means, lang)
                    + describe_unmeasured(means, ["hr", "rmssd"], quality, lang)
                    for lang in ("zh-CN", "en")
                }
            model.summary_phases = [
                ("settle", {"hr": 78.0, "coherence": 0.31}),
                ("baseline", {"hr": 76.0, "coherence": 0.35}),
                ("training", {"hr": 69.0, "coherence": 0.62}),
                ("cooldown", {"hr": 68.0, "coherence": 0.55}),
            ]
            model.practice, model.points_gained = practice(entries, today), 15
        if name == "summary_reminder":  # the officer asked for it, and their trend calls for it
            model.reminder_on = model.reminder_due = True
            model.help_line = "12356"
        out[name] = (model, flow)
    return out


def render_stills(folder: Path) -> dict[str, str]:
    """The programs' and the attract screen's stills, rendered as the kiosk does (a child process)."""
    stills = SceneStills(folder, [p.scene for p in PROGRAMS] + ["lakeside"])
    stills.start()
    if stills.child is not None:
        stills.child.wait()
    ready = stills.ready()
    if len(ready) < len(stills.paths):
        raise SystemExit(f"scene stills missing: {sorted(set(stills.paths) - set(ready))}")
    return ready


def sample_entries(tmp: Path) -> list:  # type: ignore[type-arg]
    """A sample officer's history, from a real session store in ``tmp``."""
    clock = [datetime(2026, 11, 10, 9, 30, tzinfo=UTC)]

    def tick() -> datetime:
        clock[0] += timedelta(hours=8)
        return clock[0]

    with SessionStore(tmp / "sessions.db", "screenshots", clock=tick) as store:
        code = new_code()
        sample_visits(store, code)
        return history(local_summaries(store.officer_sessions(code)))


def main(out_dir: Path, only: set[str] | None = None) -> None:
    """Save every page (or those named in ``only``) in both languages."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        entries = sample_entries(Path(tmp))
        stills = render_stills(Path(tmp) / "stills")
        window = pyglet.window.Window(WIDTH, HEIGHT, visible=False)
        try:
            for language in ("zh-CN", "en"):
                for name, (model, flow) in pages(language, entries, stills).items():
                    if only is None or name in only:
                        save_page(window, out_dir / f"{name}_{language}.png", model, flow)
        finally:
            window.close()


def save_page(window: pyglet.window.Window, path: Path, model: KioskModel, flow: f.SessionFlow) -> None:
    window.switch_to()
    pyglet.gl.glViewport(0, 0, WIDTH, HEIGHT)
    window.projection = pyglet.math.Mat4.orthogonal_projection(0, WIDTH, 0, HEIGHT, -255, 255)
    problems = draw(layout(model, flow, 301.0, WIDTH, HEIGHT), HEIGHT)
    if problems:
        raise SystemExit(f"{path.name}: text overflows: {problems}")
    buffer = pyglet.image.get_buffer_manager().get_color_buffer().get_image_data()
    raw = np.frombuffer(buffer.get_data("RGB", buffer.width * 3), np.uint8)
    pixels = raw.reshape(buffer.height, -1, 3)[:HEIGHT, :WIDTH][::-1]
    colours = 256 if path.stem.rsplit("_", 1)[0] in PICTURE_PAGES else 64  # flat UI: small files
    Image.fromarray(pixels).quantize(colours).save(path, optimize=True)
    print(path)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/kiosk"), set(sys.argv[2:]) or None)
