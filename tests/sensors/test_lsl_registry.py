"""SourceRegistry picks "the ECG", "the EEG"… from real streams on loopback."""

from __future__ import annotations

import pylsl
import pytest

from sensors.lsl.inlet import wait_for
from sensors.lsl.stream_catalog import Pin, SourceRegistry, StreamCatalog
from sensors.lsl.stream_kinds import kind_of
from sensors.types import StreamKind
from tests.lsl_helpers import make_info, unique


@pytest.fixture()
def registry():
    reg = SourceRegistry(StreamCatalog(buffer_seconds=5.0))
    yield reg
    reg.close()


def _visible(reg: SourceRegistry, *source_ids: str) -> bool:
    return wait_for(lambda: {d.source_id for d in reg.catalog.refresh()} >= set(source_ids), timeout=15.0)


def test_type_aliases() -> None:
    assert kind_of("GSR") is StreamKind.EDA
    assert kind_of("ekg") is StreamKind.ECG
    assert kind_of("PLETH") is StreamKind.PPG
    assert kind_of("Markers") is None


def test_highest_rate_wins_without_a_pin(registry: SourceRegistry) -> None:
    slow, fast = make_info("ECG", 1, 250.0), make_info("ECG", 1, 500.0)
    outlets = [pylsl.StreamOutlet(slow), pylsl.StreamOutlet(fast)]
    assert _visible(registry, slow.source_id(), fast.source_id())
    chosen = registry.get(StreamKind.ECG)
    assert chosen is not None and chosen.description.source_id == fast.source_id()
    assert registry.get(StreamKind.EEG) is None
    del outlets


def test_pinned_stream_wins() -> None:
    slow, fast = make_info("ECG", 1, 250.0, name=unique("chest-strap")), make_info("ECG", 1, 500.0)
    outlets = [pylsl.StreamOutlet(slow), pylsl.StreamOutlet(fast)]
    reg = SourceRegistry(StreamCatalog(buffer_seconds=5.0), pins={StreamKind.ECG: Pin(name=slow.name())})
    try:
        assert _visible(reg, slow.source_id(), fast.source_id())
        assert reg.get(StreamKind.ECG).description.name == slow.name()
    finally:
        reg.close()
        del outlets


def test_unusable_candidate_is_skipped(registry: SourceRegistry) -> None:
    broken = make_info("GSR", 1, 0.0, fmt="string")  # a text stream that claims to be EDA
    good = make_info("EDA", 1, 32.0)
    outlets = [pylsl.StreamOutlet(broken), pylsl.StreamOutlet(good)]
    assert _visible(registry, broken.source_id(), good.source_id())
    assert registry.get(StreamKind.EDA).description.source_id == good.source_id()
    del outlets


def test_heart_falls_back_to_ppg(registry: SourceRegistry) -> None:
    ppg = make_info("PPG", 1, 100.0)
    outlet = pylsl.StreamOutlet(ppg)
    assert _visible(registry, ppg.source_id())
    assert registry.heart().description.source_id == ppg.source_id()
    del outlet
