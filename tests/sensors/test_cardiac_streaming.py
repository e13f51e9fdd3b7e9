"""The causal building blocks: chunk-independent results and a bounded memory of artifacts."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

from sensors.features import streaming
from sensors.features.streaming import DelayLine, FiniteHold, RunningMean, SosFilter


def _chunked(block, x: np.ndarray, cuts: list[int]) -> np.ndarray:
    edges = [0, *sorted({c % (x.size + 1) for c in cuts}), x.size]
    return np.concatenate([block.push(x[a:b]) for a, b in itertools.pairwise(edges)])


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 60), st.integers(0, 400), st.lists(st.integers(0, 10_000), max_size=12))
def test_running_mean_is_chunk_independent_and_exact(size, n, cuts):
    x = np.random.default_rng(n).standard_normal(n) * 100
    whole = RunningMean(size).push(x)
    np.testing.assert_array_equal(_chunked(RunningMean(size), x, cuts), whole)
    expected = [x[max(0, j - size + 1) : j + 1].mean() for j in range(n)]
    np.testing.assert_allclose(whole, expected, rtol=1e-9, atol=1e-9)


def test_running_mean_forgets_a_huge_spike():
    """A forever-running sum would keep 1e90's rounding error; block restarts drop it."""
    x = np.random.default_rng(0).standard_normal(2000)
    x[100] = 1e90
    out = RunningMean(37).push(x)
    expected = np.array([x[j - 36 : j + 1].mean() for j in range(300, 2000)])
    np.testing.assert_allclose(out[300:], expected, rtol=1e-12, atol=1e-12)


def test_delay_line_and_finite_hold():
    line = DelayLine(3)
    assert _chunked(line, np.arange(1.0, 8.0), [2, 3]).tolist() == [0, 0, 0, 1, 2, 3, 4]
    hold = FiniteHold()
    out = hold.push(np.array([np.nan, 1.0, np.inf, -np.inf, 2.0, 1e300]))
    assert out.tolist() == [0.0, 1.0, 1.0, 1.0, 2.0, 1e100]
    assert hold.bad == 3
    assert hold.push(np.array([np.nan])).tolist() == [1e100]


@pytest.mark.parametrize("kernel", ["compiled", "public"])
@settings(max_examples=30, deadline=None)
@given(cuts=st.lists(st.integers(0, 600), max_size=12), offset=st.floats(-1e3, 1e3))
def test_sos_filter_matches_scipy_sosfilt_in_any_chunking(kernel, cuts, offset):
    """SosFilter calls SciPy's compiled sosfilt kernel directly (the public function's checks cost
    ~20x the filtering on 0.1 s chunks); both paths must equal signal.sosfilt on the whole signal."""
    sos = signal.butter(4, [5, 15], "band", fs=360, output="sos")
    x = np.random.default_rng(len(cuts)).standard_normal(600) + offset
    saved = streaming._sosfilt_kernel
    assert saved is not None  # the supported SciPy range has it: a move shows up here first
    streaming._sosfilt_kernel = saved if kernel == "compiled" else None
    try:
        f = SosFilter(sos)
        bounds = sorted(set(cuts) | {0, 600})
        y = np.concatenate([f.push(x[a:b]) for a, b in itertools.pairwise(bounds)])
    finally:
        streaming._sosfilt_kernel = saved
    expected, _ = signal.sosfilt(sos, x, zi=signal.sosfilt_zi(sos) * x[0])
    np.testing.assert_allclose(y, expected, rtol=1e-12, atol=1e-9 * (1 + abs(offset)))
