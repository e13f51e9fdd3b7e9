"""`oasis analyze`: every reader, the JSON shape the issue asks for, plots, progress and errors."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sensors.analyze.readers import Recording, UserError, read_recording, read_text
from sensors.features.ecg_beats import detect_ecg_beats
from station.cli import main

REPO = Path(__file__).resolve().parents[2]
HRV_KEYS = {"mean_nn", "sdnn", "rmssd", "pnn50", "lf", "hf", "lf_hf", "coherence"}


def analyze(capsys, *args: str) -> tuple[int, dict | None, str]:
    """Run `oasis analyze ARGS --json` in-process; returns (exit status, parsed JSON or None, stderr)."""
    rc = main(["analyze", *map(str, args), "--json"])
    out, err = capsys.readouterr()
    return rc, (json.loads(out) if rc == 0 else None), err


@pytest.fixture(scope="module")
def record_100_5min(recordings, tmp_path_factory) -> Path:
    d = np.load(recordings / "ecg_mitdb_100.npz")
    path = tmp_path_factory.mktemp("npz") / "rec100.npz"
    np.savez(path, ecg_mV=d["ecg_mV"][: int(300 * d["fs"])], fs=d["fs"], r_peaks=d["r_peaks"][:10])
    return path


def test_biosppy_text_with_header_rate(capsys, recordings):
    rc, report, _ = analyze(capsys, recordings / "biosppy" / "ecg.txt", "--kind", "ecg", "--json")
    assert rc == 0
    assert set(report) == {"fs", "beats", "ibi_ms", "corrected", "hrv"}
    assert set(report["hrv"]) == HRV_KEYS
    assert report["fs"] == 1000.0  # from "# Sampling Rate (Hz):= 1000.00"
    x = np.loadtxt(recordings / "biosppy" / "ecg.txt")
    assert report["beats"] == detect_ecg_beats(x, 1000.0).tolist()
    assert report["ibi_ms"] == pytest.approx(np.diff(report["beats"]).tolist())
    assert report["hrv"]["lf"] is None  # 15 s is too short for LF: null, not NaN


def test_summary_without_json_is_bilingual_text(capsys, recordings):
    assert main(["analyze", str(recordings / "biosppy" / "resp.txt"), "--kind", "resp"]) == 0
    out = capsys.readouterr().out
    assert (
        out.startswith("RESP\n") and "呼吸频率 breathing rate (/min): 2" in out and "呼吸 breaths: 20" in out
    )


def test_npz_picks_the_ecg_array_and_its_rate(capsys, record_100_5min):
    rc, report, _ = analyze(capsys, record_100_5min, "--kind", "ecg")
    assert rc == 0 and report["fs"] == 360.0
    assert report["hrv"]["rmssd"] == pytest.approx(25.96, rel=0.02)  # tests/data/README.md
    assert report["hrv"]["sdnn"] == pytest.approx(25.37, rel=0.02)
    assert 0 < report["hrv"]["coherence"] < 10 and report["hrv"]["lf"] > 0
    assert report["corrected"] >= 8  # the 4 atrial premature beats, two intervals each


def test_window_adds_per_window_features(capsys, record_100_5min):
    rc, report, _ = analyze(capsys, record_100_5min, "--kind", "ecg", "--key", "ecg_mV", "--window", "60")
    assert rc == 0 and len(report["windows"]) == 5
    last = report["windows"][-1]
    assert last["end_s"] == 300.0 and last["quality"]["rmssd"]["level"] == "good"
    assert 60 < last["features"]["hr"] < 90


def test_csv_named_columns_time_column_and_comments(capsys, tmp_path, recordings):
    resp = np.loadtxt(recordings / "biosppy" / "resp.txt")[::20]  # 50 Hz
    t = np.arange(resp.size) / 50.0
    path = tmp_path / "session.csv"
    lines = ["# exported by a logger", "time,ECG,RESP"]
    lines += [
        f"{a:.3f},0.0,{b:.1f}  # sample" if i == 3 else f"{a:.3f},0.0,{b:.1f}"
        for i, (a, b) in enumerate(zip(t, resp, strict=True))
    ]
    path.write_text("\n".join(lines) + "\n")
    rc, report, _ = analyze(capsys, path, "--kind", "resp", "--channel", "resp")
    assert rc == 0 and report["fs"] == pytest.approx(50.0)
    assert set(report) == {"fs", "breaths", "breath_interval_s", "resp_rate"}
    assert 8 < report["resp_rate"] < 30 and len(report["breaths"]) >= 10


def test_npy_needs_a_rate(capsys, tmp_path, recordings):
    path = tmp_path / "ppg.npy"
    np.save(path, np.loadtxt(recordings / "biosppy" / "ppg.txt"))
    rc, _, err = analyze(capsys, path, "--kind", "ppg")
    assert rc == 2 and err.strip() == "oasis analyze: error: no sampling rate in ppg.npy: give --fs HZ"
    rc, report, _ = analyze(capsys, path, "--kind", "ppg", "--fs", "1000")
    assert rc == 0 and len(report["beats"]) >= 15


def test_edf_channel_by_name(capsys, tmp_path, recordings):
    import mne  # mne and edfio (which writes the EDF) are dependencies: no skip

    ecg = np.loadtxt(recordings / "biosppy" / "ecg.txt")[::4]  # 250 Hz
    ppg = np.loadtxt(recordings / "biosppy" / "ppg.txt")[::4][: ecg.size]
    info = mne.create_info(["ECG", "PPG"], 250.0, ["ecg", "misc"])
    raw = mne.io.RawArray(np.vstack([ecg - ecg.mean(), ppg - ppg.mean()]) * 1e-6, info, verbose="error")
    path = tmp_path / "rec.edf"
    mne.export.export_raw(path, raw, fmt="edf", verbose="error")
    rc, report, _ = analyze(capsys, path, "--kind", "ppg", "--channel", "PPG")
    assert rc == 0 and report["fs"] == 250.0 and len(report["beats"]) >= 10
    rc, report, _ = analyze(capsys, path, "--kind", "ecg")  # picks the channel named ECG
    assert rc == 0 and 12 <= len(report["beats"]) <= 18


def write_xdf(path: Path, streams: list[tuple[str, str, float, np.ndarray, list[str]]]) -> None:
    """A minimal XDF 1.0 file (FileHeader, StreamHeader, Samples, StreamFooter chunks), float32."""

    def chunk(tag: int, content: bytes) -> bytes:
        return b"\x08" + struct.pack("<QH", len(content) + 2, tag) + content

    out = [b"XDF:", chunk(1, b'<?xml version="1.0"?><info><version>1.0</version></info>')]
    for sid, (name, kind, fs, data, labels) in enumerate(streams, 1):
        channels = "".join(f"<channel><label>{lab}</label></channel>" for lab in labels)
        header = (
            f"<?xml version='1.0'?><info><name>{name}</name><type>{kind}</type>"
            f"<channel_count>{data.shape[1]}</channel_count><nominal_srate>{fs}</nominal_srate>"
            f"<channel_format>float32</channel_format><desc><channels>{channels}</channels></desc></info>"
        )
        out.append(chunk(2, struct.pack("<I", sid) + header.encode()))
        stamps = 100.0 + np.arange(data.shape[0]) / fs
        body = b"".join(
            b"\x08" + struct.pack("<d", ts) + row.astype("<f4").tobytes()
            for ts, row in zip(stamps, data, strict=True)
        )
        out.append(chunk(3, struct.pack("<I", sid) + b"\x08" + struct.pack("<Q", data.shape[0]) + body))
        footer = (
            f"<?xml version='1.0'?><info><first_timestamp>{stamps[0]}</first_timestamp>"
            f"<last_timestamp>{stamps[-1]}</last_timestamp><sample_count>{data.shape[0]}</sample_count></info>"
        )
        out.append(chunk(6, struct.pack("<I", sid) + footer.encode()))
    path.write_bytes(b"".join(out))


def test_xdf_stream_by_type_and_by_name(capsys, tmp_path, recordings):
    ecg = np.loadtxt(recordings / "biosppy" / "ecg.txt")[::2]  # 500 Hz
    eda = np.loadtxt(recordings / "biosppy" / "eda.txt")[::100]
    path = tmp_path / "session.xdf"
    write_xdf(
        path, [("Strap", "ECG", 500.0, ecg[:, None], ["ECG1"]), ("GSR", "EDA", 10.0, eda[:, None], ["EDA"])]
    )
    rc, report, _ = analyze(capsys, path, "--kind", "ecg")
    assert rc == 0 and report["fs"] == 500.0
    assert report["beats"] == detect_ecg_beats(ecg.astype(np.float32), 500.0).tolist()
    rc, report, _ = analyze(capsys, path, "--kind", "ecg", "--key", "Strap", "--channel", "ECG1")
    assert rc == 0
    rc, _, err = analyze(capsys, path, "--kind", "ppg")
    assert rc == 2 and "no numeric stream of type PPG" in err and "Strap (ECG)" in err


@pytest.mark.parametrize(
    ("make", "args", "message"),
    [
        (None, ["--kind", "ecg"], "file not found"),
        (
            lambda p: p.with_suffix(".npy").write_bytes(b"\x93NUMPY garbage"),
            ["--kind", "ecg", "--fs", "250"],
            "cannot read",
        ),
        (
            lambda p: p.with_suffix(".csv").write_text("1\n2\nthree\n"),
            ["--kind", "ecg", "--fs", "250"],
            "line 3: not a number",
        ),
        (
            lambda p: p.with_suffix(".csv").write_text("1,2\n3\n"),
            ["--kind", "ecg", "--fs", "250"],
            "line 2: 1 columns, expected 2",
        ),
        (
            lambda p: p.with_suffix(".csv").write_text("a,b\n" + "1,2\n" * 3000),
            ["--kind", "ecg", "--fs", "250", "--channel", "c"],
            "no channel 'c'; channels: a, b",
        ),
        (
            lambda p: p.with_suffix(".csv").write_text("1\n" * 3000),
            ["--kind", "ecg", "--fs", "5"],
            "implausible for ECG",
        ),
        (
            lambda p: p.with_suffix(".csv").write_text("1\n" * 3000),
            ["--kind", "ecg", "--fs", "250"],
            "no heart beats found",
        ),
        (
            lambda p: p.with_suffix(".csv").write_text("1\n" * 10),
            ["--kind", "ecg", "--fs", "250"],
            "recording too short",
        ),
        (lambda p: p.with_suffix(".wav").write_bytes(b"RIFF"), ["--kind", "ecg"], "unknown file type .wav"),
        (lambda p: p.write_text("1\n" * 3000), ["--kind", "ecg", "--fs", "nan"], "--fs must be a positive"),
        (
            lambda p: p.write_text("1\n" * 3000),
            ["--kind", "ecg", "--fs", "250", "--plot", "/nonexistent/x.png"],
            "no folder",
        ),
    ],
)
def test_user_mistakes_give_one_line_and_status_2(capsys, tmp_path, make, args, message):
    base = tmp_path / "input.csv"
    if make is not None:
        make(base)
    path = next(iter(tmp_path.iterdir()), base)
    rc, _, err = analyze(capsys, path, *args)
    assert rc == 2
    assert err.count("\n") == 1 and err.startswith("oasis analyze: error: ") and message in err, err


def test_plot_and_progress_bar_through_the_real_command(tmp_path, recordings):
    """The whole 30 min record 100 through `python -m station.cli`: progress on stderr, JSON on stdout."""
    png = tmp_path / "out.png"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "station.cli",
            "analyze",
            str(recordings / "ecg_mitdb_100.npz"),
            "--kind",
            "ecg",
            "--key",
            "ecg_mV",
            "--json",
            "--plot",
            str(png),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert len(report["beats"]) >= 2268
    assert "100%" in proc.stderr and "analyze ecg" in proc.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 20_000


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=st.sampled_from("0123456789.,;-+eE#\t :=abcSamplingRate(Hz)\nnaninf"), max_size=300))
def test_text_reader_fuzz(tmp_path, content):
    path = tmp_path / "fuzz.txt"
    path.write_text(content)
    try:
        rec = read_text(path)
    except UserError as exc:
        assert "\n" not in str(exc)
    else:
        assert isinstance(rec, Recording) and rec.data.ndim == 2 and len(rec.labels) == rec.data.shape[1]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.sampled_from([".npy", ".npz", ".edf", ".bdf", ".xdf", ".csv"]),
    st.sampled_from([b"", b"XDF:", b"0       ", b"\x93NUMPY\x01\x00", b"PK\x03\x04"]),
    st.binary(max_size=600),
)
def test_reader_fuzz_on_garbage_files(tmp_path, suffix, magic, body):
    """Garbage behind a plausible magic: a UserError (one line) or a recording, nothing else."""
    path = tmp_path / f"garbage{suffix}"
    path.write_bytes(magic + body)
    try:
        rec = read_recording(path, "ecg")
    except UserError as exc:
        assert "\n" not in str(exc) and str(exc)
    else:
        assert rec.data.ndim == 2


@pytest.fixture
def eeg_30s(tmp_path: Path) -> Path:
    """30 s of two-channel 256 Hz EEG with a 10 Hz alpha rhythm."""
    t = np.arange(30 * 256) / 256
    x = np.sin(2 * np.pi * 10 * t) + 0.1 * np.random.default_rng(0).standard_normal(t.size)
    path = tmp_path / "eeg30.csv"
    np.savetxt(path, np.c_[x, x], delimiter=",", header="sampling rate: 256\nlabels: Fz,Cz")
    return path


@pytest.mark.parametrize(
    ("kind", "window", "message"),
    [
        ("eeg", "40", "--window 40 s is longer than the recording (30.0 s)"),
        ("eeg", "1e300", "--window 1e+300 s is longer than the recording (30.0 s)"),
        ("eeg", "0.001", "--window must be at least 1 s for EEG"),
        ("ecg", "0.001", "--window must be at least 10 s for ECG"),
        ("eeg", "inf", "--window must be a positive number of seconds"),
        ("eeg", "-5", "--window must be a positive number of seconds"),
    ],
)
def test_absurd_windows_give_one_line_and_status_2(capsys, eeg_30s, kind, window, message):
    rc, _, err = analyze(capsys, eeg_30s, "--kind", kind, "--window", window)
    assert rc == 2 and err == f"oasis analyze: error: {message}\n"


def test_a_window_as_long_as_the_recording_is_analysed(capsys, eeg_30s):
    rc, report, _ = analyze(capsys, eeg_30s, "--kind", "eeg", "--window", "30")
    assert rc == 0 and report["iaf"] == pytest.approx(10.0, abs=0.5)


def _one_stream_xdf(path: Path) -> bytes:
    write_xdf(path, [("Strap", "ECG", 250.0, np.zeros((600, 1)), ["ECG1"])])
    return path.read_bytes()


def _samples_chunk_at(data: bytes) -> int:
    """Byte offset of the first samples chunk (tag 3) in a file written by write_xdf."""
    at = 4
    while True:
        (length, tag) = struct.unpack_from("<QH", data, at + 1)
        if tag == 3:
            return at
        at += 9 + length


@pytest.mark.parametrize(
    ("corrupt", "message"),
    [
        (lambda d: d[:4] + b"\x08" + struct.pack("<Q", 2**62) + d[13:],
         "chunk at byte 4 claims 4611686018427387904"),
        (lambda d: d[:4] + b"\x03" + d[5:], "bad length width 3 at byte 4"),
        (lambda d: d.replace(struct.pack("<Q", 600), struct.pack("<Q", 2**40), 1),
         "claims 1099511627776 samples"),
        (lambda d: d.replace(b"<channel_count>1<", b"<channel_count>9<"),
         "claims 600 samples of at least 37 bytes"),
    ],
)  # fmt: skip
def test_corrupt_xdf_lengths_give_a_clear_error_not_memory_error(capsys, tmp_path, corrupt, message):
    path = tmp_path / "corrupt.xdf"
    path.write_bytes(corrupt(_one_stream_xdf(path)))
    rc, _, err = analyze(capsys, path, "--kind", "ecg")
    assert rc == 2 and err.startswith("oasis analyze: error: cannot read corrupt.xdf: corrupt XDF: ")
    assert message in err and err.count("\n") == 1 and "MemoryError" not in err


def test_a_recording_cut_off_inside_its_samples_still_reads(tmp_path):
    """A power loss cuts the last samples chunk short: the chunks before it are still read."""
    path = tmp_path / "cut.xdf"
    data = _one_stream_xdf(path)
    at = _samples_chunk_at(data)
    (length,) = struct.unpack_from("<Q", data, at + 1)
    samples = data[at : at + 9 + length]
    path.write_bytes(data[: at + len(samples)] + samples[: len(samples) // 2])
    rec = read_recording(path, "ecg")
    assert rec.fs == 250.0 and rec.data.shape == (600, 1)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.integers(0, 200), st.binary(min_size=1, max_size=9))
def test_xdf_fuzz_overwritten_header_bytes(tmp_path, at, patch):
    """Any bytes over the headers of a valid file: a recording or a one-line UserError, never a crash."""
    path = tmp_path / "fuzz.xdf"
    data = _one_stream_xdf(path)
    path.write_bytes(data[:at] + patch + data[at + len(patch) :])
    try:
        rec = read_recording(path, "ecg")
    except UserError as exc:
        assert "\n" not in str(exc) and "MemoryError" not in str(exc)
    else:
        assert rec.data.ndim == 2
