"""The XDF writer checked with pyxdf: the shared example files written again, fuzzed round trips,
footers, and repair of files cut at any byte (a crash while writing)."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pytest
import pyxdf
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from station.recording import xdf_format
from station.recording.xdf_repair import repair, scan
from station.recording.xdf_writer import XdfWriteError, XdfWriter

RAW = {"synchronize_clocks": False, "dejitter_timestamps": False, "handle_clock_resets": False}


def load(path: Path) -> dict[str, dict]:
    streams, _ = pyxdf.load_xdf(str(path), **RAW)
    return {s["info"]["name"][0]: s for s in streams}


def header(name: str, fmt: str, channels: int) -> str:
    return (
        f"<info><name>{name}</name><channel_count>{channels}</channel_count>"
        f"<channel_format>{fmt}</channel_format><nominal_srate>0</nominal_srate></info>"
    )


def info_to_xml(node: dict | str | None, tag: str = "info") -> str:
    """pyxdf's dict-of-lists header back to XML (the test's way to reuse a file's headers)."""
    if node is None:
        return f"<{tag}/>"
    if isinstance(node, str):
        return f"<{tag}>{escape(node)}</{tag}>"
    inner = "".join(info_to_xml(child, key) for key, children in node.items() for child in children)
    return f"<{tag}>{inner}</{tag}>"


@pytest.mark.parametrize("name", ["minimal.xdf", "clock_resets.xdf", "empty_streams.xdf"])
def test_shared_examples_written_again_read_back_identical(
    recordings: Path, tmp_path: Path, name: str
) -> None:
    original = load(recordings / "xdf" / name)
    out = tmp_path / name
    with XdfWriter(out, fsync=False) as w:
        for s in original.values():
            info = s["info"]
            derived = ("effective_srate", "segments", "clock_segments", "stream_id")  # added by pyxdf
            header = {k: v for k, v in info.items() if k not in derived}
            sid = w.add_stream(info_to_xml(header), info["channel_format"][0], int(info["channel_count"][0]))
            n = len(s["time_stamps"])
            for start in range(0, n, 1000):  # several chunks, as a recorder writes them
                part = slice(start, start + 1000)
                w.write_samples(sid, s["time_stamps"][part], s["time_series"][part])
            for t, v in zip(s["clock_times"], s["clock_values"], strict=True):
                w.write_clock_offset(sid, t, v)
    ours = load(out)
    assert ours.keys() == original.keys()
    for key, s in original.items():
        o = ours[key]
        for field in ("type", "channel_format", "channel_count", "nominal_srate", "source_id", "desc"):
            assert o["info"].get(field) == s["info"].get(field), (key, field)
        np.testing.assert_array_equal(o["time_stamps"], s["time_stamps"])
        if s["info"]["channel_format"][0] == "string":
            assert o["time_series"] == s["time_series"]
        else:
            np.testing.assert_array_equal(np.asarray(o["time_series"]), np.asarray(s["time_series"]))
            assert np.asarray(o["time_series"]).dtype == np.asarray(s["time_series"]).dtype
        assert o["clock_times"] == s["clock_times"] and o["clock_values"] == s["clock_values"]
        footer = o["footer"]["info"]
        assert int(footer["sample_count"][0]) == len(s["time_stamps"])
        if len(s["time_stamps"]):
            assert float(footer["first_timestamp"][0]) == s["time_stamps"][0]
            assert float(footer["last_timestamp"][0]) == s["time_stamps"][-1]
        assert len((footer["clock_offsets"][0] or {}).get("offset", [])) == len(s["clock_times"])


def test_varlen_int_widths() -> None:
    assert xdf_format.varlen_int(255) == b"\x01\xff"
    assert xdf_format.varlen_int(256) == b"\x04\x00\x01\x00\x00"
    assert xdf_format.varlen_int(1 << 32)[0] == 8
    with pytest.raises(ValueError):
        xdf_format.varlen_int(-1)


numeric_case = st.sampled_from(list(xdf_format.NUMERIC_FORMATS)).flatmap(
    lambda fmt: st.tuples(
        st.just(fmt),
        st.integers(1, 4),
        st.integers(0, 300),
    )
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(numeric_case, st.lists(st.text(max_size=40), max_size=30), st.integers(0, 2**32 - 1))
def test_fuzzed_streams_round_trip(
    tmp_path: Path, case: tuple[str, int, int], texts: list[str], seed: int
) -> None:
    fmt, channels, n = case
    rng = np.random.default_rng(seed)
    dtype = np.dtype(xdf_format.NUMERIC_FORMATS[fmt])
    if dtype.kind == "f":
        values = rng.normal(0, 1e3, (n, channels)).astype(dtype)
    else:
        info = np.iinfo(dtype)
        values = rng.integers(info.min, info.max, (n, channels), dtype=dtype, endpoint=True)
    stamps = np.cumsum(rng.uniform(0.001, 0.1, n)) + 1000.0
    path = tmp_path / "fuzz.xdf"
    path.unlink(missing_ok=True)
    with XdfWriter(path, fsync=False) as w:
        a = w.add_stream(header("num", fmt, channels), fmt, channels)
        b = w.add_stream(header("txt", "string", 1), "string", 1)
        w.write_samples(a, stamps[: n // 2], values[: n // 2])
        w.write_samples(a, stamps[n // 2 :], values[n // 2 :])
        w.write_samples(b, np.arange(len(texts), dtype=float), [[t] for t in texts])
    got = load(path)
    if n:
        np.testing.assert_array_equal(got["num"]["time_series"], values)
        np.testing.assert_array_equal(got["num"]["time_stamps"], stamps)
    assert int(got["num"]["footer"]["info"]["sample_count"][0]) == n
    assert [row[0] for row in got["txt"]["time_series"]] == texts


def test_bad_samples_are_refused_and_nothing_is_lost(tmp_path: Path) -> None:
    path = tmp_path / "bad.xdf"
    with XdfWriter(path, fsync=False) as w:
        sid = w.add_stream(header("x", "float32", 2), "float32", 2)
        w.write_samples(sid, [1.0], [[1.0, 2.0]])
        with pytest.raises(XdfWriteError, match="expected shape"):
            w.write_samples(sid, [2.0], [[1.0, 2.0, 3.0]])
        with pytest.raises(XdfWriteError, match="no stream 9"):
            w.write_samples(9, [2.0], [[1.0, 2.0]])
        with pytest.raises(XdfWriteError, match="unknown channel format"):
            w.add_stream("<info/>", "float16", 1)
    with pytest.raises(XdfWriteError, match="closed"):
        w.write_samples(sid, [3.0], [[0.0, 0.0]])
    assert len(load(path)["x"]["time_stamps"]) == 1
    with pytest.raises(FileExistsError):  # never overwrites a recording
        XdfWriter(path)


def _recording(path: Path) -> tuple[int, int]:
    """A small two-stream file with offsets and boundaries; returns the sample counts."""
    with XdfWriter(path, fsync=False) as w:
        eeg = w.add_stream(header("eeg", "float32", 3), "float32", 3)
        mk = w.add_stream(header("mk", "string", 1), "string", 1)
        for block in range(6):
            t = 10.0 + block + np.arange(20) / 100
            w.write_samples(eeg, t, np.full((20, 3), block, dtype=np.float32))
            w.write_samples(mk, [t[0]], [[f"phase:{block}"]])
            w.write_clock_offset(eeg, t[-1], -0.001 * block)
            w.write_clock_offset(mk, t[-1], -0.001 * block)
            w.write_boundary()
            w.flush()
    return 120, 6


def test_repair_of_a_file_cut_at_any_byte(tmp_path: Path) -> None:
    full = tmp_path / "full.xdf"
    n_eeg, n_mk = _recording(full)
    data = full.read_bytes()
    footer_start = scan(full)[0]  # the whole file is complete chunks
    assert footer_start == len(data)
    for cut in range(len(xdf_format.MAGIC), len(data), 13):
        torn = tmp_path / f"cut-{cut}.xdf"
        torn.write_bytes(data[:cut])
        repair(torn)
        streams = load(torn)
        for name, total in (("eeg", n_eeg), ("mk", n_mk)):
            if name not in streams:
                continue
            s = streams[name]
            count = len(s["time_stamps"])
            assert count <= total
            assert int(s["footer"]["info"]["sample_count"][0]) == count
            if count:
                assert float(s["footer"]["info"]["last_timestamp"][0]) == s["time_stamps"][-1]
        torn.unlink()


def test_repair_leaves_a_complete_file_alone(tmp_path: Path) -> None:
    path = tmp_path / "ok.xdf"
    _recording(path)
    before = path.read_bytes()
    assert repair(path) is False
    assert path.read_bytes() == before
