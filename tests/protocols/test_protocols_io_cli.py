"""Feature files in (JSON lines as `oasis pipeline --json` prints them, XDF read with pyxdf) and the
`oasis protocol` command: list, check, simulate writing CSV, events and a PNG plot."""

from __future__ import annotations

import csv
import json
import math
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protocols.feature_io import FeatureFileError, read_features, read_jsonl, snapshot_from_json, write_jsonl
from protocols.loader import find_protocol
from protocols.simulated_features import breathing_schedule, simulate
from protocols.timeline_runner import replay
from sensors.types import Level

ROOT = Path(__file__).resolve().parents[2]


def oasis(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "station.cli", *args], capture_output=True, text=True,
                          cwd=ROOT, timeout=300)  # fmt: skip


# --- JSON lines ---------------------------------------------------------------------------------


def test_jsonl_accepts_quality_strings_objects_and_nulls(tmp_path: Path) -> None:
    path = tmp_path / "f.jsonl"
    lines = [
        {"t": 10.0, "features": {"hr": 70.5, "alpha_rel": None}, "quality": {"hr": "good",
         "alpha_rel": {"level": "bad", "reason": "flatline"}}, "latency_ms": 12.0},
        {"t": 10.1, "features": {"hr": 71}, "quality": {"hr": {"level": "degraded", "reason": ""}}},
    ]  # fmt: skip
    no_data_yet = {"t": None, "features": {"hr": None}, "quality": {"hr": "bad"},
                   "latency_ms": None}  # fmt: skip
    path.write_text("\n".join(json.dumps(x) for x in [no_data_yet, *lines]) + "\n\n", encoding="utf-8")
    snaps = read_jsonl(path)
    assert [s.t for s in snaps] == [10.0, 10.1]
    assert snaps[0].values["hr"] == 70.5 and math.isnan(snaps[0].values["alpha_rel"])
    assert (
        snaps[0].verdict("alpha_rel").level == Level.BAD
        and snaps[0].verdict("alpha_rel").reason == "flatline"
    )
    assert snaps[1].verdict("hr").level == Level.DEGRADED


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("not json", "f.jsonl:2: not JSON"),
        ('{"features": {}}', 'f.jsonl:2: "t" must be a finite number'),
        ('{"t": 1, "features": {"hr": "fast"}}', "f.jsonl:2: features.hr must be a number"),
        ('{"t": 1, "features": {}, "quality": {"hr": "green"}}', "f.jsonl:2: quality.hr: quality must be"),
        ("[1, 2]", "f.jsonl:2: expected a JSON object"),
    ],
)
def test_jsonl_errors_name_file_and_line(tmp_path: Path, line: str, words: str) -> None:
    path = tmp_path / "f.jsonl"
    path.write_text('{"t": 0, "features": {}}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(FeatureFileError) as exc:
        read_jsonl(path)
    assert str(exc.value).startswith(words)


@settings(max_examples=200, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=5),
                    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=4),
                    max_leaves=12))  # fmt: skip
def test_fuzz_snapshot_from_json_only_raises_feature_file_error(obj: object) -> None:
    for candidate in (obj, {"t": 1.0, "features": obj}, {"t": 1.0, "features": {}, "quality": obj}):
        try:
            snapshot_from_json(candidate, "fuzz:1")
        except FeatureFileError as exc:
            assert str(exc).startswith("fuzz:1: ")


def test_jsonl_round_trip_replays_bit_for_bit(tmp_path: Path) -> None:
    p = find_protocol("quick-reset")
    snaps = list(simulate(p.duration_s + 1, breathing_schedule(p)))
    write_jsonl(snaps, tmp_path / "s.jsonl")
    back = read_jsonl(tmp_path / "s.jsonl")
    direct, replayed = replay(p, snaps), replay(p, back)
    assert [repr((o.params, o.events)) for o in direct] == [repr((o.params, o.events)) for o in replayed]


# --- XDF ----------------------------------------------------------------------------------------


def _chunk(tag: int, content: bytes) -> bytes:
    body = struct.pack("<H", tag) + content
    return b"\x04" + struct.pack("<I", len(body)) + body


def write_features_xdf(path: Path, labels: list[str], rows: list[list[float]], times: list[float]) -> None:
    """A minimal XDF 1.0 file (magic, file header, one double64 stream, samples, footer) per the spec."""
    channels = "".join(f"<channel><label>{x}</label></channel>" for x in labels)
    header = (f"<?xml version=\"1.0\"?><info><name>OasisFeatures</name><type>Features</type>"
              f"<channel_count>{len(labels)}</channel_count><nominal_srate>10</nominal_srate>"
              f"<channel_format>double64</channel_format>"
              f"<desc><channels>{channels}</channels></desc></info>")  # fmt: skip
    samples = b"".join(b"\x08" + struct.pack("<d", t) + struct.pack(f"<{len(r)}d", *r)
                       for r, t in zip(rows, times, strict=True))  # fmt: skip
    footer = (f"<?xml version=\"1.0\"?><info><first_timestamp>{times[0]}</first_timestamp>"
              f"<last_timestamp>{times[-1]}</last_timestamp>"
              f"<sample_count>{len(rows)}</sample_count></info>")  # fmt: skip
    data = b"XDF:" + _chunk(1, b'<?xml version="1.0"?><info><version>1.0</version></info>')
    data += _chunk(2, struct.pack("<I", 1) + header.encode())
    data += _chunk(3, struct.pack("<I", 1) + b"\x04" + struct.pack("<I", len(rows)) + samples)
    data += _chunk(6, struct.pack("<I", 1) + footer.encode())
    path.write_bytes(data)


def _xdf_of_simulation(path: Path, name: str) -> list:
    p = find_protocol(name)
    snaps = list(simulate(p.duration_s + 1, breathing_schedule(p)))
    names = ["hr", "coherence", "alpha_rel", "rmssd", "lf"]
    labels = names + [f"{n}_quality" for n in names]
    rows = [[s.values[n] for n in names] + [2.0 if 150 <= s.t - 1000 < 160 else 0.0 for _ in names]
            for s in snaps]  # fmt: skip
    write_features_xdf(path, labels, rows, [s.t for s in snaps])
    return snaps


def test_xdf_features_stream_is_read_with_labels_and_quality(tmp_path: Path) -> None:
    path = tmp_path / "rec.xdf"
    snaps = _xdf_of_simulation(path, "quick-reset")
    back = read_features(path)
    assert len(back) == len(snaps)
    assert back[5].t == pytest.approx(snaps[5].t) and back[5].values["hr"] == snaps[5].values["hr"]
    assert (
        back[1550].verdict("coherence").level == Level.BAD
        and back[5].verdict("coherence").level == Level.GOOD
    )
    outputs = replay(find_protocol("quick-reset"), back)
    assert outputs[-1].finished
    assert any("warmth" in o.inactive for o in outputs if 151 <= o.elapsed < 159)


def test_xdf_without_features_stream_is_a_clear_error(tmp_path: Path, recordings: Path) -> None:
    with pytest.raises(FeatureFileError, match=r"minimal\.xdf: no stream of type Features"):
        read_features(recordings / "xdf" / "minimal.xdf")
    broken = tmp_path / "broken.xdf"
    broken.write_bytes(b"XDF:\x01\x02")
    with pytest.raises(FeatureFileError, match=r"broken\.xdf"):
        read_features(broken)


# --- the command line ---------------------------------------------------------------------------


def test_cli_list_json() -> None:
    result = oasis("protocol", "list", "--json", "--lang", "en")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert {r["id"] for r in rows} >= {"quick-reset", "resonance-assessment"}
    assert next(r for r in rows if r["id"] == "quick-reset")["name"] == "Quick reset"


def test_cli_check_reports_every_problem_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('id = "Bad Id"\nduration_s = -1\n', encoding="utf-8")
    result = oasis("protocol", "check", "quick-reset", str(bad))
    assert result.returncode == 1
    assert "ok: quick-reset.toml" in result.stdout
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) >= 4 and all(line.startswith("bad.toml: ") for line in lines)
    assert any(line.startswith("bad.toml: id: ") for line in lines)


def test_cli_simulate_from_jsonl_writes_csv_events_and_png(tmp_path: Path) -> None:
    p = find_protocol("quick-reset")
    write_jsonl(simulate(p.duration_s + 1, breathing_schedule(p)), tmp_path / "f.jsonl")
    out = tmp_path / "out"
    result = oasis("protocol", "simulate", "quick-reset", "--features", str(tmp_path / "f.jsonl"),
                   "--out", str(out), "--stop-at", "200")  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "safety:" in result.stdout and "stop_requested" in result.stdout
    with (out / "params.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 3001 and rows[0]["phase"] == "settle"
    assert {"warmth", "pacer_phase", "pacer_visible", "rewarded", "inactive"} <= set(rows[0])
    assert rows[-1]["stopped"] == "stop_requested"
    kinds = {
        json.loads(line)["kind"] for line in (out / "events.jsonl").read_text(encoding="utf-8").splitlines()
    }
    assert {"phase", "pacer", "baseline", "safety", "alert_technician"} <= kinds
    assert (out / "params.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_cli_simulate_from_xdf(tmp_path: Path) -> None:
    _xdf_of_simulation(tmp_path / "rec.xdf", "quick-reset")
    result = oasis("protocol", "simulate", "quick-reset", "--features", str(tmp_path / "rec.xdf"),
                   "--out", str(tmp_path / "o"))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "inactive for lack of data" in result.stdout
    assert (tmp_path / "o" / "params.png").is_file()


def test_cli_simulate_bad_features_file_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "f.jsonl").write_text('{"t": 1, "features": {}}\n{"t": "x"}\n', encoding="utf-8")
    result = oasis("protocol", "simulate", "quick-reset", "--features", str(tmp_path / "f.jsonl"),
                   "--out", str(tmp_path / "o"))  # fmt: skip
    assert result.returncode == 1
    assert result.stderr.strip() == "error: f.jsonl:2: \"t\" must be a finite number (LSL seconds), got 'x'"
    assert not (tmp_path / "o").exists()
