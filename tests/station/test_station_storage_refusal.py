"""No session starts where it cannot be recorded: a read-only data directory and a full disk are real
file systems (a tmpfs mounted read-only, a 64 KiB tmpfs filled up), mounted in a private mount
namespace (``unshare -m``) so nothing outside the test sees them; the kiosk controller, its store
and its layout are the real ones."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from station.store.storage_check import storage_problem

KIOSK = r"""
import json, subprocess, sys
from pathlib import Path
from protocols.loader import find_protocol
from sensors.lsl.stream_catalog import SourceRegistry, StreamCatalog
from station.kiosk import flow as f
from station.kiosk.controller import KioskController, program_for
from station.kiosk.kiosk_model import SensorStatus
from station.kiosk.layout import layout
from station.store import SessionStore

tmp, mode = Path(sys.argv[1]), sys.argv[2]
data = tmp / "data"
data.mkdir()
size = "64k" if mode == "full" else "1m"
subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(data)], check=True)
if mode == "full":
    try:
        (data / "filler").write_bytes(b"x" * 200_000)
    except OSError:
        pass  # the tmpfs is full now
else:
    subprocess.run(["mount", "-o", "remount,ro", str(data)], check=True)
store = SessionStore(tmp / "sessions.db", "storage-station")  # the store itself is elsewhere and fine
kiosk = KioskController(
    store, SourceRegistry(StreamCatalog(buffer_seconds=5.0)), [find_protocol("quick-reset")],
    station_id="storage-station", recordings_dir=data / "recordings", min_free_bytes=1,
)
program = program_for(find_protocol("quick-reset"))
kiosk.handle(f.Begin())
kiosk.handle(f.CheckedIn(store.new_officer()))
kiosk.handle(f.ProgramChosen(program.id, program.baseline_s, program.session_s))
kiosk.handle(f.Rated(6, 2))
# no simulator here: the sensor rows as the sensor check would have found them, all good
kiosk.model.sensors = [SensorStatus("ECG", "good")]
kiosk.handle(f.SensorsReady())
texts = {}
for language in ("zh-CN", "en"):
    kiosk.model.language = language
    texts[language] = [w.text for w in layout(kiosk.model, kiosk.flow, kiosk.clock(), 1280, 800)]
sessions = store.officer_sessions(kiosk.flow.context.officer_code)
print(json.dumps({
    "screen": kiosk.flow.screen.value, "notice": kiosk.model.notice, "texts": texts,
    "running": kiosk.session_running, "sessions": len(sessions),
}))
"""


def _kiosk_on(tmp_path: Path, mode: str) -> dict:
    result = subprocess.run(
        ["unshare", "-m", sys.executable, "-c", KIOSK, str(tmp_path), mode],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_read_only_data_directory_refuses_the_session_with_a_clear_message(tmp_path: Path) -> None:
    seen = _kiosk_on(tmp_path, "readonly")
    assert seen["screen"] == "sensor_check" and not seen["running"] and seen["sessions"] == 0
    assert seen["notice"] == "storage_readonly"
    assert "数据目录无法写入，练习无法记录。请联系工作人员检查" in seen["texts"]["zh-CN"]
    assert any(t.startswith("The station cannot save its data") for t in seen["texts"]["en"])


def test_a_full_disk_refuses_the_session_with_a_clear_message(tmp_path: Path) -> None:
    seen = _kiosk_on(tmp_path, "full")
    assert seen["screen"] == "sensor_check" and not seen["running"] and seen["sessions"] == 0
    assert seen["notice"] == "storage_full"
    assert "存储空间已满，练习无法记录。请联系工作人员清理后再开始" in seen["texts"]["zh-CN"]


def test_storage_problem_on_a_writable_directory_and_below_the_free_space_floor(tmp_path: Path) -> None:
    assert storage_problem([tmp_path / "new" / "recordings"]) == ""
    assert (tmp_path / "new" / "recordings").is_dir()  # made when missing
    assert list((tmp_path / "new" / "recordings").iterdir()) == []  # the probe file is gone
    assert storage_problem([tmp_path], min_free_bytes=2**62) == "storage_full"
    (tmp_path / "a-file").write_text("x")
    assert storage_problem([tmp_path / "a-file" / "recordings"]) == "storage_readonly"
