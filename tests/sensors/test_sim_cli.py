"""`oasis sim` as a user runs it: a subprocess publishing real LSL streams, and its bad-input errors."""

from __future__ import annotations

import signal
import subprocess
import sys
import uuid

import pylsl
import pytest

from station.cli import main


def oasis_sim(*args: str) -> list[str]:
    return [sys.executable, "-m", "station.cli", "sim", *args]


def test_sim_runs_for_a_duration_publishes_and_exits_0() -> None:
    prefix = f"cli-{uuid.uuid4().hex[:8]}"
    proc = subprocess.Popen(
        oasis_sim(
            *f"--duration 3 --streams ecg,eda --source-prefix {prefix} --seed 4".split(),
            *["--resonance", "5.5", "--schedule", "0:6.5,2:5.5"],
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        found = pylsl.resolve_bypred(f"source_id='{prefix}-ecg'", 1, 10.0)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert len(found) == 1 and found[0].type() == "ECG"
    assert f"{prefix}-ecg" in out and f"{prefix}-eda" in out and "500 Hz" in out
    assert "stopped" in out and "resonance 5.5/min" in out


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_sim_without_duration_runs_until_interrupted(stop: signal.Signals) -> None:
    proc = subprocess.Popen(
        oasis_sim("--streams", "ppg", "--source-prefix", f"int-{uuid.uuid4().hex[:8]}"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for line in proc.stdout:
            if "Ctrl-C to stop" in line:
                break
        proc.send_signal(stop)
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "oasis sim: stopped; ppg" in out


def test_bad_fault_gives_one_line_and_exit_2() -> None:
    result = subprocess.run(oasis_sim("--fault", "drop:ecg"), capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "oasis sim: bad --fault 'drop:ecg': expected KIND:STREAM:DURATION@START, e.g. drop:ecg:10@20"
    ]
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--fault", "mains:rr:1@2"], "regularly sampled"),
        (["--streams", "ecg", "--fault", "nan:eeg:1@2"], "stream 'eeg' is not one of ecg"),
        (["--streams", "ecg,emg"], "bad --streams"),
        (["--streams", "ecg,ecg"], "bad --streams"),
        (["--duration", "-1"], "bad --duration"),
        (["--duration", "inf"], "bad --duration"),
        (["--breathing", "100"], "breathing rate must be within"),
        (["--seed", "-3"], "bad --seed"),
        (["--resonance", "12"], "resonance rate must be within"),
        (["--schedule", "0:6,abc"], "bad schedule step 'abc'"),
        (["--schedule", "60:6,30:5"], "time order"),
        (["--source-prefix", "a b'"], "bad --source-prefix"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sim", *args]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("oasis sim: ") and message in lines[0]
    assert captured.out == ""
