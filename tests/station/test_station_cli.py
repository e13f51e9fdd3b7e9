"""`oasis station check`, `oasis station sessions`, `oasis report`: real store, real files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from station.cli import main
from station.recording.xdf_writer import XdfWriter
from station.store import SessionStatus, SessionStore

FEATURES = ["hr", "rmssd", "coherence", "alpha_rel", "scl"]


def write_session_xdf(path: Path) -> None:
    """A recorded session: baseline 0-60 s, session 60-300 s, a pause at 100-110 s."""
    with XdfWriter(path, fsync=False) as w:
        labels = "".join(f"<channel><label>{f}</label></channel>" for f in FEATURES)
        feats = w.add_stream(
            "<info><name>OasisFeatures</name><type>Features</type><channel_count>5</channel_count>"
            "<channel_format>double64</channel_format><nominal_srate>1</nominal_srate>"
            f"<desc><channels>{labels}</channels></desc></info>",
            "double64",
            5,
        )
        markers = w.add_stream(
            "<info><name>OasisMarkers</name><type>Markers</type><channel_count>1</channel_count>"
            "<channel_format>string</channel_format><nominal_srate>0</nominal_srate></info>",
            "string",
            1,
        )
        t = 1000.0 + np.arange(300.0)
        in_session = t >= 1060
        values = np.column_stack(
            [
                np.where(in_session, 68.0, 75.0),
                np.where(in_session, 45.0, 30.0),
                np.full(300, 0.5),
                np.where(in_session, 0.30, 0.20),
                np.where(in_session, 4.0, 5.0),
            ]
        )
        values[10:15, 0] = np.nan  # a short dropout, as the pipeline marks it
        w.write_samples(feats, t, values)
        events = [
            (1000.0, "session_start:lake"),
            (1000.0, "phase:baseline"),
            (1060.0, "phase:session"),
            (1100.0, "pause"),
            (1110.0, "resume"),
            (1300.0, "session_end:completed"),
        ]
        w.write_samples(markers, [e[0] for e in events], [[e[1]] for e in events])


@pytest.fixture
def station_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "station.toml"
    config.write_text(f'[station]\nid = "st-cli"\n[storage]\ndata_dir = "{tmp_path / "data"}"\n')
    monkeypatch.setenv("OASIS_STATION_CONFIG", str(config))
    return tmp_path


def test_sessions_lists_stored_sessions(station_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["station", "sessions"]) == 0
    assert "no sessions stored" in capsys.readouterr().out
    (station_env / "data").mkdir()
    with SessionStore(station_env / "data" / "sessions.db", "st-cli") as store:
        sid = store.start_session(store.new_officer(), "lake-alpha", xdf_path="/d/a.xdf")
        store.finish_session(sid, SessionStatus.COMPLETED)
        running = store.start_session(store.new_officer(), "sunset-hrv")
    assert main(["station", "sessions"]) == 0
    out = capsys.readouterr().out
    assert sid in out and "lake-alpha" in out and "completed" in out and "/d/a.xdf" in out
    assert running in out and "running" in out
    assert main(["station", "sessions", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert {r["uuid"]: r["status"] for r in rows} == {sid: "completed", running: "running"}
    assert {"uuid", "program", "status", "started_at", "ended_at", "xdf_path"} <= rows[0].keys()


def test_check_reports_each_item(
    station_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A display, an OpenXR runtime manifest and a live LSL sensor: every verdict is ok but the PIN's."""
    import pylsl

    from tests.lsl_helpers import unique

    manifest = station_env / "openxr_runtime.json"
    manifest.write_text('{"file_format_version": "1.0.0", "runtime": {"library_path": "x.so"}}')
    monkeypatch.setenv("XR_RUNTIME_JSON", str(manifest))
    monkeypatch.setenv("DISPLAY", ":42")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    sensor = pylsl.StreamInfo(unique("CheckECG"), "ECG", 1, 250.0, pylsl.cf_float32, unique("check"))
    outlet = pylsl.StreamOutlet(sensor)
    rc = main(["station", "check", "--json", "--sensor-wait", "2.0"])
    del outlet
    checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)}
    assert {name for name in checks if not name.startswith("setting ")} == {
        "config",
        "data dir",
        "session store",
        "config version",
        "sensors",
        "display",
        "XR runtime",
        "technician PIN",
    }
    assert [checks[n]["level"] for n in ("config", "data dir", "session store")] == ["ok"] * 3
    assert checks["technician PIN"]["level"] == "warn"
    assert checks["config version"]["detail"] == "none from the admin: station.toml and defaults"
    assert checks["setting scene.name"]["detail"] == "'lakeside' (from default)"
    assert checks["sensors"]["level"] == "ok" and f"ECG:{sensor.name()}" in checks["sensors"]["detail"]
    assert checks["display"] == {
        "name": "display",
        "level": "ok",
        "detail": "display :42 (kiosk window and monitor mirror)",
    }
    assert checks["XR runtime"] == {
        "name": "XR runtime",
        "level": "ok",
        "detail": f"OpenXR runtime manifest {manifest}",
    }
    assert rc == 0


def test_check_warns_without_display_or_xr_runtime(
    station_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """No display (Mesa's EGL is installed: headless rendering only) and no OpenXR runtime manifest
    anywhere (the system-wide paths point into the test's directory): warnings, and no failure."""
    from station.commands import station_checks

    for name in ("DISPLAY", "WAYLAND_DISPLAY", "XR_RUNTIME_JSON"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(station_env / "config"))
    monkeypatch.setattr(station_checks, "OPENXR_RUNTIME_FILES", (station_env / "active_runtime.json",))
    assert main(["station", "check", "--json", "--sensor-wait", "0.5"]) == 0
    checks = {c["name"]: c for c in json.loads(capsys.readouterr().out)}
    assert checks["display"]["level"] == "warn"
    assert checks["display"]["detail"] == "no display: only headless rendering (EGL) is possible"
    assert checks["XR runtime"]["level"] == "warn"
    assert checks["XR runtime"]["detail"] == "no OpenXR runtime: the scene will show on the monitor only"


def test_check_warns_when_no_sensor_stream_is_seen(station_env: Path) -> None:
    """`oasis station check` in a process of its own, in an LSL session where no stream exists."""
    import os
    import subprocess
    import sys

    from sensors.lsl.isolation import lsl_config_text

    lsl_config = station_env / "lsl_api.cfg"
    lsl_config.write_text(lsl_config_text(f"empty-{os.getpid()}", 32100))
    done = subprocess.run(
        [sys.executable, "-m", "station.cli", "station", "check", "--json", "--sensor-wait", "1.0"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "LSLAPICFG": str(lsl_config)},
        cwd=Path(__file__).resolve().parents[2],
    )
    checks = {c["name"]: c for c in json.loads(done.stdout)}
    assert checks["sensors"] == {
        "name": "sensors",
        "level": "warn",
        "detail": "no LSL streams found (start the sensor bridges, or `oasis sim`)",
    }
    assert done.returncode == 0, done.stdout  # warnings only


def test_check_fails_on_unwritable_data_dir(station_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = station_env / "file"
    blocker.write_text("a file where the data dir should be")
    (station_env / "station.toml").write_text(f'[storage]\ndata_dir = "{blocker}/data"\n')
    assert main(["station", "check", "--sensor-wait", "0.1"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  data dir" in out and "session store" not in out


def test_bad_config_is_one_line(station_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (station_env / "station.toml").write_text("[station]\nlanguage = 'fr'\n")
    assert main(["station", "sessions"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "station.language" in err


def test_report_from_session_uuid_png_and_pdf(station_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = station_env / "data"
    data.mkdir()
    xdf = data / "s.xdf"
    write_session_xdf(xdf)
    with SessionStore(data / "sessions.db", "st-cli") as store:
        sid = store.start_session(store.new_officer(), "lake-alpha", xdf_path=xdf)
        store.finish_session(sid, SessionStatus.COMPLETED)
    png, pdf = station_env / "r.png", station_env / "r.pdf"
    assert main(["report", sid, "--out", str(png)]) == 0
    out = capsys.readouterr().out
    assert "Heart rate fell from 75 to 68 bpm" in out
    assert "Heart-rate variability (RMSSD) rose from 30 to 45 ms" in out
    assert "Relaxed-brain alpha share rose from 20 to 30 %" in out
    assert "Heart coherence stayed about 0.50" in out
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000
    assert main(["report", str(xdf), "--out", str(pdf), "--lang", "zh-CN"]) == 0
    assert "心率：从 75 降到 68 次/分" in capsys.readouterr().out
    assert pdf.read_bytes()[:5] == b"%PDF-"


def test_report_errors_are_one_line(station_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "no-such-uuid", "--out", "x.png"]) == 2
    assert "no session store" in capsys.readouterr().err
    xdf = station_env / "s.xdf"
    write_session_xdf(xdf)
    assert main(["report", str(xdf), "--out", str(station_env / "r.svg")]) == 2
    assert "must end in .png or .pdf" in capsys.readouterr().err
    assert main(["report", str(station_env / "none.xdf"), "--out", "r.png"]) == 2
    assert "no such file" in capsys.readouterr().err
    garbage = station_env / "garbage.xdf"
    garbage.write_bytes(b"PK\x03\x04 not a recording")
    assert main(["report", str(garbage), "--out", str(station_env / "g.png")]) == 2
    assert "cannot read" in capsys.readouterr().err
