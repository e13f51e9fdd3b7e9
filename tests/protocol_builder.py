"""Builders for the short protocol TOML files the tests write (phases, mappings, safety).

A test states only what matters to it (its phases and mappings); the builder writes the rest the way
`protocols/library` files do, and the total duration is the sum of the phases, so the two cannot
disagree.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from protocols.loader import load_protocol
from protocols.protocol_model import Protocol


def toml_value(value: object) -> str:
    """One Python value as a TOML value (booleans, strings, finite and non-finite floats, ints)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    return repr(value)


def inline_table(values: dict[str, object]) -> str:
    """``{ key = value, ... }``; keys with a dash (``zh-CN``) are written bare, as TOML allows."""
    return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in values.items()) + " }"


@dataclass(frozen=True)
class Phase:
    """One ``[[phases]]`` entry."""

    id: str
    duration_s: float
    zh: str = "放松。"
    en: str = "Relax."
    feedback: bool = True
    baseline: bool = False
    assess_rate: bool = False
    pacer: dict[str, object] | None = None

    def toml(self) -> str:
        lines = ["[[phases]]", f'id = "{self.id}"', f"duration_s = {self.duration_s:g}"]
        if not self.feedback:
            lines.append("feedback = false")
        if self.baseline:
            lines.append("baseline = true")
        if self.assess_rate:
            lines.append("assess_rate = true")
        lines.append(f"instructions = {inline_table({'zh-CN': self.zh, 'en': self.en})}")
        if self.pacer is not None:
            lines.append(f"pacer = {inline_table(self.pacer)}")
        return "\n".join(lines)


HR_MOTION = """[[mappings]]
target = "motion"
metric = "hr"
normalise = "zscore"
curve = "linear"
input = [-2.0, 1.0]
output = [0.1, 0.5]
direction = "up"
"""
"""The mapping most station tests use: heart rate drives the scene's motion."""

SETTLE_BASELINE_TRAINING_COOLDOWN = (
    Phase("settle", 3, "请坐好。", "Sit down.", feedback=False),
    Phase("baseline", 8, "保持安静。", "Stay still.", baseline=True),
    Phase("training", 8, "放松。", "Relax."),
    Phase("cooldown", 3, "结束。", "The end.", feedback=False),
)
"""The usual short session: settle, baseline, training, cooldown (22 s)."""


def protocol_toml(
    pid: str,
    phases: tuple[Phase, ...] | list[Phase] = SETTLE_BASELINE_TRAINING_COOLDOWN,
    *,
    name: tuple[str, str] = ("测试", "Test"),
    description: tuple[str, str] = ("测试课程", "A test program"),
    tables: str = HR_MOTION,
    max_session_s: float = 60,
) -> str:
    """A whole protocol file: header, ``phases``, then ``tables`` (mappings, reward, assessment…)."""
    duration = sum(p.duration_s for p in phases)
    parts = [
        f'id = "{pid}"',
        f"duration_s = {duration:g}",
        f"[name]\nzh-CN = {toml_value(name[0])}\nen = {toml_value(name[1])}",
        f"[description]\nzh-CN = {toml_value(description[0])}\nen = {toml_value(description[1])}",
        *(p.toml() for p in phases),
        tables.strip(),
        f"[safety]\nmax_session_s = {max_session_s:g}" if max_session_s else "",
    ]
    return "\n".join(p for p in parts if p) + "\n"


def write_protocol(directory: Path, text: str) -> Protocol:
    """Write ``text`` as ``<id>.toml`` in ``directory`` and load it the way the station does."""
    pid = text.split('"', 2)[1]
    path = directory / f"{pid}.toml"
    path.write_text(text, encoding="utf-8")
    return load_protocol(path)
