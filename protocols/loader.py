"""Read and validate protocol files (TOML, standard-library ``tomllib``).

Every problem names the file, the key and what is wrong, e.g.
``quick-reset.toml: mappings[0].target: unknown scene parameter 'warmht'``. All problems of a file
are collected, so one run of ``oasis protocol check`` shows them all.
"""

from __future__ import annotations

import math
import re
import tomllib
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from protocols.protocol_model import (
    LANGUAGES,
    Assessment,
    AssessMethod,
    Curve,
    Direction,
    Dropout,
    ExtraParam,
    Mapping,
    Normalise,
    OnLoss,
    Pacer,
    Phase,
    Protocol,
    Reward,
    Safety,
    Text,
)
from scenes.catalog import SCENES
from scenes.params import SHARED_PARAMS
from sensors.types import FEATURES, Level

LIBRARY = Path(__file__).resolve().parent / "library"
ENGINE_OWNED = ("pacer_phase", "pacer_visible")  # driven by the pacer, never by a mapping
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_PARAM_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_MISSING = object()
E = TypeVar("E", bound=StrEnum)

# Bounds on what a protocol file may hold (docs/protocols.md, "Limits"): a hostile or broken file is
# refused with one line per problem instead of exhausting memory, the stack or the float range.
MAX_FILE_BYTES = 256 * 1024  # the shipped protocols are 2-5 KiB
MAX_DEPTH = 8  # tables and arrays nested in each other
MAX_MAGNITUDE = 1e6  # any number, before a key's own range
MAX_SECONDS = 86_400.0  # any key ending in _s
MAX_SMOOTHING_S = 600.0
MAX_TEXT_CHARS = 2000  # instructions, descriptions
MAX_NAME_CHARS = 80  # protocol names and every id
MAX_TABLES = 100  # entries of [[phases]] or [[mappings]]
_SHOWN_CHARS = 60  # a value or key quoted in a message is cut to this length
_TOO_DEEP = f"tables and arrays nest more than {MAX_DEPTH} deep"


class ProtocolError(ValueError):
    """A protocol file that cannot be used; ``problems`` holds one line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class _Checker:
    """Collects problems while reading typed values out of the parsed TOML tables."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[str] = []

    def fail(self, key: str, what: str) -> None:
        self.problems.append(f"{self.source}: {_one_line(key)}: {_one_line(what, 4 * _SHOWN_CHARS)}")

    def table(self, parent: dict, key: str, where: str, required: bool = True) -> dict | None:
        value = parent.get(key, _MISSING)
        if value is _MISSING:
            if required:
                self.fail(where, "missing table")
            return None
        if not isinstance(value, dict):
            self.fail(where, f"must be a table, got {type(value).__name__}")
            return None
        return value

    def known_keys(self, table: dict, where: str, allowed: set[str]) -> None:
        for key in sorted(set(table) - allowed):
            key = _one_line(key)
            self.fail(f"{where}.{key}" if where else key, f"unknown key (expected one of {sorted(allowed)})")

    def number(
        self,
        table: dict,
        key: str,
        where: str,
        default: Any = _MISSING,
        low: float | None = None,
        high: float | None = None,
        positive: bool = False,
    ) -> float:
        value = table.get(key, default)
        if value is _MISSING:
            self.fail(where, "missing number")
            return math.nan
        if value is None:
            return None  # type: ignore[return-value]  # an optional number left out
        if not _is_number(value):
            self.fail(where, f"must be a finite number, got {_shown(value)}")
            return math.nan
        if abs(value) > MAX_MAGNITUDE:
            self.fail(where, f"must lie within ±{MAX_MAGNITUDE:g}, got {_shown(value)}")
            return math.nan
        if high is None and where.endswith("_s"):
            high = MAX_SECONDS
        if positive and value <= 0:
            self.fail(where, f"must be > 0, got {value}")
        if low is not None and value < low:
            self.fail(where, f"must be >= {low}, got {value}")
        if high is not None and value > high:
            self.fail(where, f"must be <= {high}, got {value}")
        return float(value)

    def pair(self, table: dict, key: str, where: str, default: Any = _MISSING) -> tuple[float, float]:
        value = table.get(key, default)
        if value is _MISSING:
            self.fail(where, "missing [low, high] pair")
            return (math.nan, math.nan)
        if not isinstance(value, list) or len(value) != 2 or not all(_is_number(v) for v in value):
            self.fail(where, f"must be a pair of finite numbers [low, high], got {_shown(value)}")
            return (math.nan, math.nan)
        if any(abs(v) > MAX_MAGNITUDE for v in value):
            self.fail(where, f"must lie within ±{MAX_MAGNITUDE:g}, got {_shown(value)}")
            return (math.nan, math.nan)
        low, high = float(value[0]), float(value[1])
        if not low < high:
            self.fail(where, f"low must be below high, got [{low}, {high}]")
        return (low, high)

    def string(
        self, table: dict, key: str, where: str, default: Any = _MISSING, max_chars: int = MAX_TEXT_CHARS
    ) -> str:
        value = table.get(key, default)
        if value is _MISSING:
            self.fail(where, "missing text")
            return ""
        if value is None:
            return None  # type: ignore[return-value]
        if not isinstance(value, str) or not value.strip():
            self.fail(where, f"must be a non-empty string, got {_shown(value)}")
            return ""
        if len(value) > max_chars:
            self.fail(where, f"must be at most {max_chars} characters, got {len(value)}")
            return ""
        return value

    def boolean(self, table: dict, key: str, where: str, default: bool) -> bool:
        value = table.get(key, default)
        if not isinstance(value, bool):
            self.fail(where, f"must be true or false, got {_shown(value)}")
            return default
        return value

    def choice(self, table: dict, key: str, where: str, enum: type[E], default: Any = _MISSING) -> E:
        value = table.get(key, default)
        options = [e.value for e in enum]
        if value is _MISSING:
            self.fail(where, f"missing (one of {options})")
            return next(iter(enum))
        if value not in options:
            self.fail(where, f"must be one of {options}, got {_shown(value)}")
            return next(iter(enum))
        return enum(value)

    def text(self, table: dict, key: str, where: str, max_chars: int = MAX_TEXT_CHARS) -> Text:
        value = table.get(key, _MISSING)
        if not isinstance(value, dict):
            self.fail(
                where,
                f"must be a table with {' and '.join(LANGUAGES)} texts"
                + ("" if value is _MISSING else f", got {_shown(value)}"),
            )
            return Text("", "")
        self.known_keys(value, where, set(LANGUAGES))
        zh = self.string(value, "zh-CN", f"{where}.zh-CN", max_chars=max_chars)
        en = self.string(value, "en", f"{where}.en", max_chars=max_chars)
        return Text(zh, en)

    def array_of_tables(self, parent: dict, key: str, required: bool) -> list[dict]:
        value = parent.get(key, _MISSING)
        if value is _MISSING:
            if required:
                self.fail(key, "missing; add at least one [[" + key + "]] table")
            return []
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.fail(key, "must be an array of tables ([[" + key + "]])")
            return []
        if required and not value:
            self.fail(key, "must not be empty")
        if len(value) > MAX_TABLES:
            self.fail(key, f"has {len(value)} entries, at most {MAX_TABLES} are allowed")
            return []
        return value


def _is_number(value: object) -> bool:
    """A finite TOML number (an integer of any size, or a float); true and false are not numbers."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and math.isfinite(value)


def _shown(value: object) -> str:
    """``repr(value)``, cut to a readable length (a 100 000-character name is not echoed back)."""
    shown = repr(value)
    return shown if len(shown) <= _SHOWN_CHARS else shown[: _SHOWN_CHARS - 1] + "…"


def _one_line(text: str, limit: int = _SHOWN_CHARS) -> str:
    """``text`` with control characters escaped (a key may hold a newline) and cut to ``limit``."""
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _depth(doc: dict) -> int:
    """How deeply tables and arrays nest in ``doc`` (the document itself is depth 1), iteratively."""
    deepest = 0
    stack: list[tuple[dict | list, int]] = [(doc, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def _param_range(name: str, extras: dict[str, ExtraParam]) -> tuple[float, float] | None:
    if name in SHARED_PARAMS:
        return (SHARED_PARAMS[name].low, SHARED_PARAMS[name].high)
    if name in extras:
        return (extras[name].low, extras[name].high)
    return None


def _read_extra_params(c: _Checker, doc: dict) -> dict[str, ExtraParam]:
    table = c.table(doc, "extra_params", "extra_params", required=False) or {}
    extras: dict[str, ExtraParam] = {}
    for name, spec in table.items():
        where = f"extra_params.{name}"
        if name in SHARED_PARAMS:
            c.fail(where, "is a shared scene parameter already; map to it directly")
            continue
        if not _PARAM_NAME.match(name) or len(name) > MAX_NAME_CHARS:
            c.fail(where, f"name must be lower_snake_case, at most {MAX_NAME_CHARS} characters")
            continue
        if not isinstance(spec, dict):
            c.fail(where, "must be a table with low, high and neutral")
            continue
        c.known_keys(spec, where, {"low", "high", "neutral"})
        low = c.number(spec, "low", f"{where}.low")
        high = c.number(spec, "high", f"{where}.high")
        neutral = c.number(spec, "neutral", f"{where}.neutral")
        if not low < high:
            c.fail(where, f"low must be below high, got low={low}, high={high}")
        elif not low <= neutral <= high:
            c.fail(f"{where}.neutral", f"must lie within [{low}, {high}], got {neutral}")
        extras[name] = ExtraParam(name, low, high, neutral)
    return extras


def _read_pacer(c: _Checker, phase: dict, where: str) -> Pacer | None:
    value = phase.get("pacer", "off")
    if value == "off":
        return None
    if not isinstance(value, dict):
        c.fail(where, f'must be "off" or a table {{rate, inhale, exhale}}, got {value!r}')
        return None
    c.known_keys(value, where, {"rate", "inhale", "exhale", "fallback_rate"})
    rate_value = value.get("rate", _MISSING)
    rate: float | None
    if rate_value == "resonance":
        rate = None
    elif rate_value is _MISSING:
        c.fail(f"{where}.rate", 'missing (breaths/min, or "resonance")')
        rate = None
    else:
        rate = c.number(value, "rate", f"{where}.rate", low=3.0, high=30.0)
    inhale = c.number(value, "inhale", f"{where}.inhale", default=4.0, positive=True)
    exhale = c.number(value, "exhale", f"{where}.exhale", default=6.0, positive=True)
    fallback = c.number(value, "fallback_rate", f"{where}.fallback_rate", default=6.0, low=3.0, high=30.0)
    return Pacer(rate, inhale, exhale, fallback)


def _read_phases(c: _Checker, doc: dict) -> list[Phase]:
    phases: list[Phase] = []
    seen: set[str] = set()
    allowed = {
        "id",
        "duration_s",
        "instructions",
        "voice_cue",
        "pacer",
        "baseline",
        "feedback",
        "assess_rate",
    }
    for i, raw in enumerate(c.array_of_tables(doc, "phases", required=True)):
        where = f"phases[{i}]"
        c.known_keys(raw, where, allowed)
        pid = c.string(raw, "id", f"{where}.id", max_chars=MAX_NAME_CHARS)
        if pid and not _SLUG.match(pid):
            c.fail(f"{where}.id", f"must be lower-case letters, digits and '-', got {pid!r}")
        if pid in seen:
            c.fail(f"{where}.id", f"duplicate phase id {pid!r}")
        seen.add(pid)
        baseline = c.boolean(raw, "baseline", f"{where}.baseline", False)
        feedback = c.boolean(raw, "feedback", f"{where}.feedback", not baseline)
        if baseline and feedback:
            c.fail(
                f"{where}.feedback", "a baseline phase cannot give feedback (the baseline must be unbiased)"
            )
        phases.append(
            Phase(
                id=pid,
                duration_s=c.number(raw, "duration_s", f"{where}.duration_s", positive=True),
                instructions=c.text(raw, "instructions", f"{where}.instructions"),
                pacer=_read_pacer(c, raw, f"{where}.pacer"),
                voice_cue=c.string(raw, "voice_cue", f"{where}.voice_cue", default=None),
                baseline=baseline,
                feedback=feedback,
                assess_rate=c.boolean(raw, "assess_rate", f"{where}.assess_rate", False),
            )
        )
    baseline_at = [i for i, p in enumerate(phases) if p.baseline]
    if len(baseline_at) > 1:
        c.fail(f"phases[{baseline_at[1]}].baseline", "only one phase may be the baseline")
    return phases


def _metric(c: _Checker, table: dict, where: str) -> str:
    metric = c.string(table, "metric", f"{where}.metric")
    if metric and metric not in FEATURES:
        c.fail(f"{where}.metric", f"unknown feature {metric!r} (known: {', '.join(FEATURES)})")
    return metric


def _read_mappings(c: _Checker, doc: dict, extras: dict[str, ExtraParam]) -> list[Mapping]:
    mappings: list[Mapping] = []
    allowed = {
        "target",
        "metric",
        "normalise",
        "curve",
        "input",
        "output",
        "direction",
        "smoothing_s",
        "max_rate",
    }
    targets: set[str] = set()
    for i, raw in enumerate(c.array_of_tables(doc, "mappings", required=False)):
        where = f"mappings[{i}]"
        c.known_keys(raw, where, allowed)
        target = c.string(raw, "target", f"{where}.target")
        output = c.pair(raw, "output", f"{where}.output")
        _check_target(c, target, f"{where}.target", extras, targets, output, f"{where}.output")
        mappings.append(
            Mapping(
                target=target,
                metric=_metric(c, raw, where),
                normalise=c.choice(raw, "normalise", f"{where}.normalise", Normalise, "zscore"),
                curve=c.choice(raw, "curve", f"{where}.curve", Curve, "linear"),
                input_range=c.pair(raw, "input", f"{where}.input"),
                output_range=output,
                direction=c.choice(raw, "direction", f"{where}.direction", Direction, "up"),
                smoothing_s=c.number(
                    raw, "smoothing_s", f"{where}.smoothing_s", default=2.0, low=0.0, high=MAX_SMOOTHING_S
                ),
                max_rate=c.number(raw, "max_rate", f"{where}.max_rate", default=0.1, positive=True),
            )
        )
    return mappings


def _check_target(
    c: _Checker,
    target: str,
    where: str,
    extras: dict[str, ExtraParam],
    taken: set[str],
    values: tuple[float, ...],
    values_where: str,
) -> None:
    if not target:
        return
    if target in ENGINE_OWNED:
        c.fail(where, f"{target!r} is driven by the pacer and cannot be mapped")
        return
    span = _param_range(target, extras)
    if span is None:
        c.fail(
            where,
            f"unknown scene parameter {target!r}: use one of {', '.join(SHARED_PARAMS)} "
            "or declare it under [extra_params]",
        )
        return
    if target in taken:
        c.fail(where, f"parameter {target!r} is already driven by another mapping or the reward")
    taken.add(target)
    for v in values:
        if math.isfinite(v) and not span[0] <= v <= span[1]:
            c.fail(values_where, f"{v} is outside {target!r}'s range [{span[0]}, {span[1]}]")


def _read_reward(c: _Checker, doc: dict, extras: dict[str, ExtraParam], taken: set[str]) -> Reward | None:
    raw = c.table(doc, "reward", "reward", required=False)
    if raw is None:
        return None
    allowed = {
        "metric",
        "normalise",
        "direction",
        "target_share",
        "window_s",
        "max_threshold_rate",
        "threshold_limits",
        "min_event_s",
        "target",
        "on",
        "off",
    }
    c.known_keys(raw, "reward", allowed)
    share = c.pair(raw, "target_share", "reward.target_share", default=[0.6, 0.7])
    if not (share[0] > 0.0 and share[1] < 1.0):
        c.fail("reward.target_share", f"shares must lie strictly between 0 and 1, got {list(share)}")
    target = c.string(raw, "target", "reward.target", default=None)
    on = c.number(raw, "on", "reward.on", default=1.0)
    off = c.number(raw, "off", "reward.off", default=0.0)
    if target is not None:
        _check_target(c, target, "reward.target", extras, taken, (on, off), "reward.on/off")
    return Reward(
        metric=_metric(c, raw, "reward"),
        normalise=c.choice(raw, "normalise", "reward.normalise", Normalise, "zscore"),
        direction=c.choice(raw, "direction", "reward.direction", Direction, "up"),
        target_share=share,
        window_s=c.number(raw, "window_s", "reward.window_s", default=30.0, positive=True),
        max_threshold_rate=c.number(
            raw, "max_threshold_rate", "reward.max_threshold_rate", default=0.02, positive=True
        ),
        threshold_limits=c.pair(raw, "threshold_limits", "reward.threshold_limits", default=[-3.0, 3.0]),
        min_event_s=c.number(raw, "min_event_s", "reward.min_event_s", default=1.0, low=0.0),
        target=target,
        on_value=on,
        off_value=off,
    )


def _read_dropout(c: _Checker, doc: dict) -> Dropout:
    raw = c.table(doc, "dropout", "dropout", required=False) or {}
    c.known_keys(raw, "dropout", {"glide_s", "worst_quality", "resume_s"})
    worst = c.choice(raw, "worst_quality", "dropout.worst_quality", Level, "degraded")
    if worst == Level.BAD:
        c.fail("dropout.worst_quality", '"bad" would let bad data drive the scene; use good or degraded')
    return Dropout(
        glide_s=c.number(raw, "glide_s", "dropout.glide_s", default=3.0, positive=True),
        worst_level=worst,
        resume_s=c.number(raw, "resume_s", "dropout.resume_s", default=3.0, positive=True),
    )


def _read_on_loss(c: _Checker, doc: dict) -> OnLoss:
    """``[sensors] on_loss``: freeze (default), pause or end."""
    raw = c.table(doc, "sensors", "sensors", required=False) or {}
    c.known_keys(raw, "sensors", {"on_loss"})
    return c.choice(raw, "on_loss", "sensors.on_loss", OnLoss, OnLoss.FREEZE.value)


def _read_safety(c: _Checker, doc: dict, duration_s: float) -> Safety:
    raw = c.table(doc, "safety", "safety", required=False) or {}
    c.known_keys(
        raw,
        "safety",
        {"max_session_s", "hr_ceiling_bpm", "hr_ceiling_s", "hr_rise_bpm", "hr_rise_window_s", "hr_rise_s"},
    )
    default_max = duration_s * 1.5 if math.isfinite(duration_s) else 3600.0
    max_s = c.number(raw, "max_session_s", "safety.max_session_s", default=default_max, positive=True)
    if math.isfinite(max_s) and math.isfinite(duration_s) and max_s < duration_s:
        c.fail("safety.max_session_s", f"is shorter than the protocol itself ({max_s} < {duration_s} s)")
    return Safety(
        max_session_s=max_s,
        hr_ceiling_bpm=c.number(
            raw, "hr_ceiling_bpm", "safety.hr_ceiling_bpm", default=None, low=60, high=220
        ),
        hr_ceiling_s=c.number(raw, "hr_ceiling_s", "safety.hr_ceiling_s", default=10.0, positive=True),
        hr_rise_bpm=c.number(raw, "hr_rise_bpm", "safety.hr_rise_bpm", default=None, positive=True),
        hr_rise_window_s=c.number(
            raw, "hr_rise_window_s", "safety.hr_rise_window_s", default=60.0, positive=True
        ),
        hr_rise_s=c.number(raw, "hr_rise_s", "safety.hr_rise_s", default=10.0, positive=True),
    )


def _read_assessment(c: _Checker, doc: dict, phases: list[Phase]) -> Assessment | None:
    raw = c.table(doc, "assessment", "assessment", required=False)
    blocks = [(i, p) for i, p in enumerate(phases) if p.assess_rate]
    if raw is None:
        if blocks:
            c.fail(f"phases[{blocks[0][0]}].assess_rate", "needs an [assessment] table")
        return None
    c.known_keys(raw, "assessment", {"metric", "method", "settle_s", "min_valid_share"})
    settle = c.number(raw, "settle_s", "assessment.settle_s", default=30.0, low=0.0)
    if len(blocks) < 2:
        c.fail("assessment", "needs at least two phases with assess_rate = true to compare")
    for i, p in blocks:
        if p.pacer is None or p.pacer.rate is None:
            c.fail(f"phases[{i}].pacer", "an assessment block needs a fixed pacer rate")
        if math.isfinite(settle) and math.isfinite(p.duration_s) and settle >= p.duration_s:
            c.fail("assessment.settle_s", f"leaves nothing of phase {p.id!r} ({settle} >= {p.duration_s} s)")
    rates = [p.pacer.rate for _, p in blocks if p.pacer is not None and p.pacer.rate is not None]
    if len(set(rates)) != len(rates):
        c.fail("assessment", f"assessment blocks must have distinct rates, got {rates}")
    return Assessment(
        metric=_metric(c, raw, "assessment"),
        method=c.choice(raw, "method", "assessment.method", AssessMethod, "lf_power"),
        settle_s=settle,
        min_valid_share=c.number(
            raw, "min_valid_share", "assessment.min_valid_share", default=0.5, low=0.0, high=1.0
        ),
    )


def _check_baseline_needed(
    c: _Checker, phases: list[Phase], mappings: list[Mapping], reward: Reward | None
) -> None:
    users = [f"mappings[{i}].normalise" for i, m in enumerate(mappings) if m.normalise != Normalise.NONE]
    if reward is not None and reward.normalise != Normalise.NONE:
        users.append("reward.normalise")
    if not users:
        return
    baseline_at = next((i for i, p in enumerate(phases) if p.baseline), None)
    if baseline_at is None:
        c.fail(users[0], "normalises to the baseline but no phase has baseline = true")
        return
    early = [i for i, p in enumerate(phases[:baseline_at]) if p.feedback]
    if early:
        c.fail(f"phases[{early[0]}].feedback", "feedback before the baseline phase has no baseline to use")


def parse_protocol(text: str, source: str = "<string>") -> Protocol:
    """Parse and validate protocol TOML; raise ProtocolError listing every problem."""
    source = _one_line(source, 4 * _SHOWN_CHARS)
    c = _Checker(source)
    text = text.removeprefix("\ufeff")  # a UTF-8 byte-order mark, as some Windows editors write
    if len(text) > MAX_FILE_BYTES:
        raise ProtocolError([f"{source}: size: more than {MAX_FILE_BYTES} characters"])
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProtocolError([f"{source}: TOML syntax: {_one_line(str(exc), 4 * _SHOWN_CHARS)}"]) from None
    except ValueError as exc:  # tomllib's own: an integer of more than 4300 digits
        raise ProtocolError([f"{source}: TOML syntax: {_one_line(str(exc), 4 * _SHOWN_CHARS)}"]) from None
    except RecursionError:  # arrays or inline tables nested deeper than the stack
        raise ProtocolError([f"{source}: nesting: {_TOO_DEEP}"]) from None
    if _depth(doc) > MAX_DEPTH:
        raise ProtocolError([f"{source}: nesting: {_TOO_DEEP}"])
    c.known_keys(
        doc,
        "",
        {
            "id",
            "name",
            "description",
            "duration_s",
            "phases",
            "mappings",
            "reward",
            "dropout",
            "safety",
            "assessment",
            "extra_params",
            "sensors",
            "scene",
        },
    )
    pid = c.string(doc, "id", "id", max_chars=MAX_NAME_CHARS)
    if pid and not _SLUG.match(pid):
        c.fail("id", f"must be lower-case letters, digits and '-', got {pid!r}")
    duration = c.number(doc, "duration_s", "duration_s", positive=True)
    extras = _read_extra_params(c, doc)
    phases = _read_phases(c, doc)
    total = math.fsum(p.duration_s for p in phases)
    if phases and math.isfinite(duration) and math.isfinite(total) and abs(total - duration) > 1e-6:
        c.fail("duration_s", f"is {duration} s but the phases add up to {total} s")
    scene = _read_scene(c, doc)
    mappings = _read_mappings(c, doc, extras)
    reward = _read_reward(c, doc, extras, {m.target for m in mappings})
    _check_baseline_needed(c, phases, mappings, reward)
    protocol = Protocol(
        id=pid,
        source=source,
        name=c.text(doc, "name", "name", max_chars=MAX_NAME_CHARS),
        description=c.text(doc, "description", "description"),
        duration_s=duration,
        phases=tuple(phases),
        mappings=tuple(mappings),
        reward=reward,
        dropout=_read_dropout(c, doc),
        safety=_read_safety(c, doc, duration),
        assessment=_read_assessment(c, doc, phases),
        extra_params=tuple(extras.values()),
        on_loss=_read_on_loss(c, doc),
        scene=scene,
    )
    if c.problems:
        raise ProtocolError(c.problems)
    return protocol


def _read_scene(c: _Checker, doc: dict) -> str:
    """The optional scene the program shows ("": the station's configured scene)."""
    name = c.string(doc, "scene", "scene", default="", max_chars=MAX_NAME_CHARS) if "scene" in doc else ""
    if name and name not in SCENES:
        c.fail("scene", f"unknown scene {name!r}: use one of {', '.join(SCENES)}")
        return ""
    return name


def load_protocol(path: str | Path) -> Protocol:
    """Read and validate one protocol file."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)  # bounded: /dev/zero or a huge file is never read whole
        text = data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProtocolError(
            [f"{_one_line(str(path), 4 * _SHOWN_CHARS)}: cannot read: {_one_line(str(exc))}"]
        ) from None
    if len(data) > MAX_FILE_BYTES:
        raise ProtocolError([f"{_one_line(path.name)}: size: larger than {MAX_FILE_BYTES} bytes"])
    return parse_protocol(text, source=path.name)


def library_names() -> list[str]:
    """Names of the protocols shipped in protocols/library/."""
    return sorted(p.stem for p in LIBRARY.glob("*.toml"))


def find_protocol(name_or_file: str) -> Protocol:
    """A shipped protocol by name, or a protocol file by path."""
    path = Path(name_or_file)
    try:
        is_file = path.suffix == ".toml" or path.exists()
    except OSError:  # e.g. a name longer than the file system allows
        is_file = False
    if is_file:
        return load_protocol(path)
    if name_or_file in library_names():
        return load_protocol(LIBRARY / f"{name_or_file}.toml")
    shown = _one_line(name_or_file)
    raise ProtocolError(
        [f"{shown}: no such protocol file or library protocol (library: {', '.join(library_names())})"]
    )
