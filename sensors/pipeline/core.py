"""The compute core of the real-time pipeline: a plain list of extractors, no LSL.

Samples of each stream kind go to the extractors of that kind; at the update rate the pipeline
merges their snapshots into one :class:`~sensors.types.FeatureSnapshot` over the whole FEATURES
vocabulary (NaN and a ``bad`` verdict for what nobody measures). Each update carries the LSL time
of the newest sample it used and the local time that sample arrived, for latency.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, cast, runtime_checkable

import numpy as np

from sensors.features.cardiac import CardiacExtractor
from sensors.features.eeg_extractor import EEGExtractor
from sensors.features.extractor import Extractor, ExtractorOutput
from sensors.features.heart_fusion import HeartFusion
from sensors.features.respiration import RespirationExtractor
from sensors.features.skin_conductance import EDAExtractor
from sensors.types import FEATURES, FeatureSnapshot, Level, StreamKind, Verdict

log = logging.getLogger(__name__)

ExtractorFactory = Callable[[float, Sequence[str]], Extractor]


def _cardiac(kind: StreamKind) -> ExtractorFactory:
    # CardiacExtractor narrows its ``kind`` attribute to ECG | PPG, which mypy will not accept for
    # the protocol's plain ``kind: StreamKind``; it is an Extractor all the same.
    return lambda fs, labels: cast(Extractor, CardiacExtractor(kind, fs))


# One line per extractor: the stream kind it reads and how to build it from (rate, channel labels).
# When several give a feature, the better verdict wins; on ties the order here decides (ECG before
# PPG), except for the features in PREFERRED_KINDS.
EXTRACTORS: dict[StreamKind, ExtractorFactory] = {
    StreamKind.ECG: _cardiac(StreamKind.ECG),
    StreamKind.PPG: _cardiac(StreamKind.PPG),
    StreamKind.RESP: lambda fs, labels: RespirationExtractor(fs),
    StreamKind.EEG: lambda fs, labels: EEGExtractor(fs, labels),
    StreamKind.EDA: lambda fs, labels: EDAExtractor(fs),
}
# features some kinds measure better than others: those kinds first on ties, in this order (the
# belt measures breathing; a PPG's pulse modulations estimate it better than an ECG's RSA alone)
PREFERRED_KINDS: dict[str, tuple[StreamKind, ...]] = {"resp_rate": (StreamKind.RESP, StreamKind.PPG)}


class Combiner(Protocol):
    """Features computed from several extractors together (the ECG and the PPG of one heart)."""

    def combine(self, extractors: Sequence[Extractor]) -> ExtractorOutput | None:
        """The combined features, or None when the extractors it needs are not all there."""
        ...


# Combiners, asked before the extractors at each update: their answers come first on ties.
COMBINERS: tuple[Callable[[], Combiner], ...] = (HeartFusion,)


@runtime_checkable
class BaselineExtractor(Protocol):
    """An extractor that also learns from the session's baseline phase (the EEG extractor's IAF)."""

    @property
    def baseline_active(self) -> bool: ...

    def begin_baseline(self) -> None: ...

    def end_baseline(self) -> float | None: ...


@dataclass(frozen=True)
class Update:
    """One pipeline output: the merged features and the arrival time of the newest sample used."""

    snapshot: FeatureSnapshot
    arrival: float  # local clock when the newest sample used was received (NaN: none used)


class _Fed:
    """An extractor with the arrival times of what it was fed: (newest timestamp, arrival) per push."""

    def __init__(self, extractor: Extractor) -> None:
        self.extractor = extractor
        self.arrivals: deque[tuple[float, float]] = deque(maxlen=512)
        self.error = ""  # set when the extractor raised: it is not called again
        self.names: set[str] = set()  # what its last snapshot reported

    def fail(self, exc: Exception) -> None:
        self.error = f"{type(self.extractor).__name__} failed: {type(exc).__name__}: {exc}"
        log.exception("%s; its features are reported bad from now on", self.error)

    def arrival_of(self, t: float) -> float:
        for newest, arrival in self.arrivals:
            if newest >= t:
                return arrival
        return math.nan


class FeaturePipeline:
    """Route samples to extractors by stream kind and merge their snapshots."""

    def __init__(
        self, extractors: Sequence[Extractor] = (), combiners: Sequence[Combiner] | None = None
    ) -> None:
        self._fed = [_Fed(e) for e in extractors]
        self._combiners = [factory() for factory in COMBINERS] if combiners is None else list(combiners)
        self._combiner_errors: dict[int, str] = {}
        self._in_baseline = False

    @property
    def combiners(self) -> list[Combiner]:
        return list(self._combiners)

    @property
    def extractors(self) -> list[Extractor]:
        return [f.extractor for f in self._fed]

    def add(self, extractor: Extractor) -> None:
        """Add an extractor (a new source); it joins a baseline phase already running."""
        self._fed.append(_Fed(extractor))
        if self._in_baseline and isinstance(extractor, BaselineExtractor):
            extractor.begin_baseline()

    def remove_kind(self, kind: StreamKind) -> None:
        """Drop the extractors of one kind (its source went away or was replaced)."""
        self._fed = [f for f in self._fed if f.extractor.kind != kind]

    def push(self, kind: StreamKind, samples: np.ndarray, timestamps: np.ndarray, arrival: float) -> None:
        """Feed new samples of one stream kind, received at local time ``arrival``."""
        stamps = np.asarray(timestamps, dtype=float)
        if stamps.size == 0:
            return
        for fed in self._fed:
            if fed.extractor.kind == kind and not fed.error:
                try:
                    fed.extractor.push(samples, stamps)
                except Exception as exc:  # one broken extractor must not stop the others
                    fed.fail(exc)
                fed.arrivals.append((float(stamps[-1]), arrival))

    @property
    def in_baseline(self) -> bool:
        """The session's baseline phase is running."""
        return self._in_baseline

    def begin_baseline(self) -> None:
        """The session's baseline phase starts: every extractor that has a baseline begins it."""
        self._in_baseline = True
        for extractor in self.extractors:
            if isinstance(extractor, BaselineExtractor):
                extractor.begin_baseline()

    def end_baseline(self) -> None:
        """The baseline phase is over (the next phase or the session's end); nothing when none runs."""
        if not self._in_baseline:
            return
        self._in_baseline = False
        for extractor in self.extractors:
            if isinstance(extractor, BaselineExtractor) and extractor.baseline_active:
                extractor.end_baseline()

    def update(self) -> Update:
        """Snapshot every combiner and extractor and merge: per feature, the value with the best
        verdict wins (combiners first on ties, then extractors in EXTRACTORS order, a feature's
        PREFERRED_KINDS first); NaN with a ``bad`` verdict when none has it."""
        values = dict.fromkeys(FEATURES, math.nan)
        quality: dict[str, Verdict] = {name: Verdict(Level.BAD, "no source") for name in FEATURES}
        newest, arrival = math.nan, math.nan
        outputs: list[tuple[ExtractorOutput, StreamKind | None]] = [(out, None) for out in self._combined()]
        for fed in sorted(self._fed, key=lambda f: _rank(f.extractor.kind)):
            if not fed.error:
                try:
                    out: ExtractorOutput = fed.extractor.snapshot()
                except Exception as exc:  # one broken extractor must not stop the others
                    fed.fail(exc)
            if fed.error:
                for name in fed.names:
                    if math.isnan(values[name]) and quality[name].reason == "no source":
                        quality[name] = Verdict(Level.BAD, fed.error)
                continue
            fed.names = set(out.values) & set(FEATURES)
            outputs.append((out, fed.extractor.kind))
            if math.isfinite(out.t) and not out.t <= newest:
                newest, arrival = out.t, fed.arrival_of(out.t)
        for name in FEATURES:
            preferred = PREFERRED_KINDS.get(name, ())
            ordered = sorted(
                outputs, key=lambda o: preferred.index(o[1]) if o[1] in preferred else len(preferred)
            )
            for out, _ in ordered:
                if name not in out.values:
                    continue
                value = out.values[name]
                verdict = out.quality.get(name, Verdict(Level.BAD, "no verdict"))
                if math.isnan(value) and verdict.level != Level.BAD:
                    verdict = Verdict(Level.BAD, verdict.reason or "not available")
                if _better(value, verdict, values[name], quality[name]):
                    values[name], quality[name] = float(value), verdict
        return Update(FeatureSnapshot(newest, values, quality), arrival)

    def _combined(self) -> list[ExtractorOutput]:
        """The combiners' answers (a combiner that raised is not asked again)."""
        working = [f.extractor for f in self._fed if not f.error]
        answers = []
        for i, combiner in enumerate(self._combiners):
            if i in self._combiner_errors:
                continue
            try:
                out = combiner.combine(working)
            except Exception as exc:  # a broken combiner leaves the single extractors to speak
                self._combiner_errors[i] = f"{type(combiner).__name__} failed: {type(exc).__name__}: {exc}"
                log.exception("%s; not asked again", self._combiner_errors[i])
                continue
            if out is not None:
                answers.append(out)
        return answers


def _rank(kind: StreamKind) -> int:
    order = list(EXTRACTORS)
    return order.index(kind) if kind in order else len(order)


def _better(value: float, verdict: Verdict, old_value: float, old: Verdict) -> bool:
    if math.isnan(old_value):
        return not math.isnan(value) or old.reason == "no source"
    return not math.isnan(value) and verdict.level.rank < old.level.rank


class UpdateClock:
    """Update slots at a fixed rate; a late loop skips the missed slots and counts them as dropped."""

    def __init__(self, rate_hz: float, start: float) -> None:
        if not (math.isfinite(rate_hz) and rate_hz > 0):
            raise ValueError(f"update rate must be positive, got {rate_hz!r}")
        self.period = 1.0 / rate_hz
        self.next_due = start + self.period
        self.dropped = 0

    def due(self, now: float) -> bool:
        return now >= self.next_due

    def advance(self, now: float) -> int:
        """Move to the next slot after ``now``; returns how many slots were missed (dropped)."""
        missed = int((now - self.next_due) // self.period)
        self.dropped += missed
        self.next_due += (missed + 1) * self.period
        return missed
