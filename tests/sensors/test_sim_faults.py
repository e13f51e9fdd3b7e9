"""Fault syntax (fuzzed with hypothesis) and what each fault does to a chunk, without LSL."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sensors.sim.faults import FAULT_KINDS, MAINS_HZ, Fault, FaultInjector, FaultSyntaxError, parse_fault
from sensors.sim.streams import STREAM_NAMES


def test_parse_valid_fault() -> None:
    assert parse_fault("drop:ecg:10@20", STREAM_NAMES) == Fault("drop", "ecg", 20.0, 10.0)
    assert parse_fault(" mains:eeg:2.5@0 ", STREAM_NAMES) == Fault("mains", "eeg", 0.0, 2.5)


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("drop:ecg:10", "expected KIND:STREAM:DURATION@START"),
        ("explode:ecg:1@2", "kind 'explode'"),
        ("drop:emg:1@2", "stream 'emg'"),
        ("drop:ecg:x@2", "not a number"),
        ("drop:ecg:0@2", "duration must be > 0"),
        ("drop:ecg:-1@2", "finite number >= 0"),
        ("drop:ecg:inf@2", "finite number >= 0"),
        ("mains:rr:1@2", "regularly sampled"),
        ("clip:rr:1@2", "regularly sampled"),
    ],
)
def test_parse_invalid_fault(spec: str, reason: str) -> None:
    with pytest.raises(FaultSyntaxError, match=reason):
        parse_fault(spec, STREAM_NAMES)


def test_fault_on_an_unpublished_stream_is_refused() -> None:
    with pytest.raises(FaultSyntaxError, match="stream 'eeg'"):
        parse_fault("flat:eeg:1@1", ["ecg", "rr"])


@given(st.text(max_size=40))
def test_parse_fault_fuzz_never_crashes(text: str) -> None:
    try:
        fault = parse_fault(text, STREAM_NAMES)
    except FaultSyntaxError as exc:
        assert "\n" not in str(exc)
    else:
        assert fault.kind in FAULT_KINDS and fault.stream in STREAM_NAMES
        assert fault.duration_s > 0 and fault.start_s >= 0


@given(
    st.sampled_from(FAULT_KINDS),
    st.sampled_from([s for s in STREAM_NAMES if s != "rr"]),
    st.floats(0.001, 1e6),
    st.floats(0, 1e6),
)
def test_fault_round_trips_through_its_text(kind: str, stream: str, duration: float, start: float) -> None:
    fault = Fault(kind, stream, start, duration)
    again = parse_fault(f"{kind}:{stream}:{duration!r}@{start!r}", STREAM_NAMES)
    assert again == fault
    assert parse_fault(str(fault), STREAM_NAMES).kind == kind


FS = 100.0


def run_injector(fault: Fault, seconds: float = 6.0, chunk: int = 37) -> tuple[np.ndarray, ...]:
    """Push a 2-channel ramp-plus-sine through an injector in odd-sized chunks."""
    t = np.arange(int(seconds * FS)) / FS
    clean = np.stack([np.sin(2 * np.pi * 1.3 * t), 5 + 0.1 * t], axis=1)
    injector = FaultInjector([fault], 2, FS, scale=2.0)
    outs, keeps = [], []
    for i in range(0, len(t), chunk):
        out, keep = injector.apply(clean[i : i + chunk], t[i : i + chunk])
        outs.append(out)
        keeps.append(keep)
    return t, np.concatenate(outs), np.concatenate(keeps)


def test_flatline_holds_the_last_value_before_the_fault() -> None:
    t, out, _ = run_injector(Fault("flat", "x", 2.0, 1.5))
    inside = (t >= 2.0) & (t < 3.5)
    before = np.flatnonzero(t < 2.0)[-1]
    assert np.all(out[inside] == out[before])
    assert np.ptp(out[t >= 3.5, 0]) > 1.0


def test_clipping_saturates_at_rails_from_recent_signal() -> None:
    t, out, _ = run_injector(Fault("clip", "x", 3.0, 2.0))
    inside = out[(t >= 3.0) & (t < 5.0), 0]
    top, bottom = inside.max(), inside.min()
    assert np.mean(inside == top) > 0.1 and np.mean(inside == bottom) > 0.1
    assert 0 < top < 1 and -1 < bottom < 0
    assert out[t >= 5.0, 0].max() > 0.99


def test_mains_adds_a_50_hz_sine_and_nan_bursts_blank() -> None:
    fs = 500.0
    t = np.arange(int(4 * fs)) / fs
    injector = FaultInjector([Fault("mains", "x", 1.0, 2.0), Fault("nan", "x", 3.5, 0.2)], 1, fs, scale=2.0)
    out, keep = injector.apply(np.zeros((len(t), 1)), t)
    inside = (t >= 1.0) & (t < 3.0)
    np.testing.assert_allclose(out[inside, 0], np.sin(2 * np.pi * MAINS_HZ * t[inside]), atol=1e-9)
    assert np.all(out[(t < 1.0) | ((t >= 3.0) & (t < 3.5)), 0] == 0)
    assert np.all(np.isnan(out[(t >= 3.5) & (t < 3.7), 0]))
    assert keep.all()


def test_drop_masks_samples_and_reports_the_outlet_state() -> None:
    fault = Fault("drop", "x", 1.0, 2.0)
    t, _, keep = run_injector(fault)
    assert not keep[(t >= 1.0) & (t < 3.0)].any()
    assert keep[(t < 1.0) | (t >= 3.0)].all()
    injector = FaultInjector([fault], 1, FS, 1.0)
    assert [injector.dropping(x) for x in (0.5, 1.0, 2.9, 3.0)] == [False, True, True, False]
