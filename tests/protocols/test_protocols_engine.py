"""The protocol engine on simulated officers: determinism and replay, adaptive reward threshold,
dropout glide and resume, safety stops, the pacer, and the resonance assessment."""

from __future__ import annotations

import copy
import functools
import math
from itertools import pairwise

import pytest

from protocols.engine import EngineState, StepOutput, pacer_phase, start, step
from protocols.loader import LIBRARY, find_protocol, library_names, parse_protocol
from protocols.protocol_model import Protocol
from protocols.simulated_features import Dropout, Officer, Scenario, breathing_schedule, simulate
from protocols.timeline_runner import replay
from sensors.types import FeatureSnapshot
from tests.protocol_builder import Phase, protocol_toml


def run(protocol: Protocol, scenario: Scenario | None = None, seed: int = 0, resonance: float | None = None,
        **kwargs: object) -> list[StepOutput]:  # fmt: skip
    snaps = list(
        simulate(protocol.duration_s + 1, breathing_schedule(protocol, resonance), scenario, seed=seed)
    )
    return replay(protocol, snaps, resonance_rate=resonance, **kwargs)  # type: ignore[arg-type]


@functools.cache
def default_session(name: str) -> tuple[StepOutput, ...]:
    """A shipped protocol on the default simulated officer (shared by the tests that only read it)."""
    return tuple(run(find_protocol(name)))


def fingerprint(outputs: list[StepOutput]) -> list[str]:
    """Exact text of every output (repr keeps every bit of a float; NaN compares equal as text)."""
    return [repr((o.t, o.phase, sorted(o.params.items()), o.events, sorted(o.inactive.items()), o.rewarded,
                  o.threshold, o.stopped)) for o in outputs]  # fmt: skip


def events(outputs: list[StepOutput], kind: str) -> list:
    return [(o, e) for o in outputs for e in o.events if e.kind == kind]


# --- determinism and replay ---------------------------------------------------------------------


def test_same_inputs_give_identical_outputs() -> None:
    p = find_protocol("quick-reset")
    assert fingerprint(run(p)) == fingerprint(list(default_session("quick-reset")))


def test_state_serialised_mid_session_resumes_bit_for_bit() -> None:
    p = find_protocol("quick-reset")
    snaps = list(simulate(p.duration_s + 1, breathing_schedule(p)))
    state = start(p, snaps[0].t)
    straight = [step(p, state, s.t, s) for s in snaps]

    state = start(p, snaps[0].t)
    first = [step(p, state, s.t, s) for s in snaps[:700]]  # in the middle of the baseline phase
    resumed = EngineState.from_json(state.to_json())
    branch = copy.deepcopy(state)
    rest = [step(p, resumed, s.t, s) for s in snaps[700:]]
    assert fingerprint(first + rest) == fingerprint(straight)
    branch_rest = [step(p, branch, s.t, s) for s in snaps[700:]]
    assert fingerprint(branch_rest) == fingerprint(rest)
    assert resumed.to_json() == branch.to_json()


def test_events_carry_lsl_time_and_phases_follow_the_timeline() -> None:
    outputs = list(default_session("quick-reset"))
    phase_events = events(outputs, "phase")
    assert [e.data["id"] for _, e in phase_events] == ["settle", "baseline", "training", "cooldown"]
    t0 = outputs[0].t
    assert [round(e.t - t0, 6) for _, e in phase_events] == [0.0, 30.0, 90.0, 270.0]
    assert all(e.t == o.t for o in outputs for e in o.events)
    assert phase_events[0][1].data["instructions_zh"] and phase_events[0][1].data["instructions_en"]
    assert outputs[-1].finished and len(events(outputs, "session_end")) == 1


# --- pacer --------------------------------------------------------------------------------------


def test_pacer_phase_spans_inhale_then_exhale() -> None:
    # 4:6 ratio: inhale is 40 % of the cycle but always maps to 0..0.5 of the scene's phase
    assert pacer_phase(0.0, 0.4) == 0.0
    assert pacer_phase(0.2, 0.4) == pytest.approx(0.25)
    assert pacer_phase(0.4, 0.4) == pytest.approx(0.5)
    assert pacer_phase(0.7, 0.4) == pytest.approx(0.75)
    assert pacer_phase(3.7, 0.4) == pytest.approx(0.75)


def test_pacer_cues_match_the_rate() -> None:
    outputs = list(default_session("quick-reset"))
    cues = [(o.elapsed, e.data["cue"]) for o, e in events(outputs, "pacer")]
    inhales = [t for t, c in cues if c == "inhale"]
    exhales = [t for t, c in cues if c == "exhale"]
    # 6/min for the first 270 s: a breath every 10 s, exhale 4 s after each inhale
    assert len(inhales) == 27 and len(exhales) == 27
    assert all(abs(b - a - 10.0) < 0.15 for a, b in pairwise(inhales))
    assert all(abs(e - i - 4.0) < 0.15 for i, e in zip(inhales, exhales, strict=True))
    cooldown = [o for o in outputs if o.phase == "cooldown"]
    assert cooldown[-1].params["pacer_visible"] == 0.0  # pacer off in the cool-down


@pytest.mark.parametrize(("resonance", "expected"), [(None, 6.0), (5.0, 5.0), (12.0, 6.0)])
def test_coherent_breathing_paces_at_the_resonance_rate_when_known(
    resonance: float | None, expected: float
) -> None:
    p = find_protocol("coherent-breathing")
    state = start(p, 0.0, resonance)
    out = step(p, state, 0.0, None)
    assert [e.data["pacer_rate"] for e in out.events if e.kind == "phase"] == [expected]


# --- adaptive reward threshold ------------------------------------------------------------------

LONG_TRAINING = protocol_toml(
    "long-training",
    [Phase("baseline", 120, "呼吸", "Breathe", baseline=True), Phase("training", 1380, "继续", "Go on")],
    name=("长训练", "Long training"),
    description=("测试", "Test"),
    tables="""[reward]
metric = "METRIC"
normalise = "zscore"
direction = "DIRECTION"
target_share = [0.6, 0.7]
window_s = 30
max_threshold_rate = 0.02
threshold_limits = [-10.0, 10.0]
min_event_s = 1.0""",
    max_session_s=0,
)


@pytest.mark.parametrize(
    ("metric", "direction", "relax"),
    [
        ("coherence", "up", lambda s: min(1.0, s / 600.0)),  # learning: coherence rises through the session
        ("alpha_rel", "up", lambda s: 0.5),  # steady officer
        ("hr", "down", lambda s: min(1.0, s / 600.0)),  # heart rate falls: reward a low heart rate
    ],
)
def test_adaptive_threshold_reaches_the_target_reward_share(
    metric: str, direction: str, relax: object
) -> None:
    p = parse_protocol(LONG_TRAINING.replace("METRIC", metric).replace("DIRECTION", direction), "long.toml")
    outputs = run(p, Scenario(relax=relax), seed=3)  # type: ignore[arg-type]
    training = [o for o in outputs if o.phase == "training"]
    late = [o.rewarded for o in training if o.elapsed >= 900]  # the last ten minutes
    share = sum(bool(r) for r in late) / len(late)
    assert 0.57 <= share <= 0.73, share
    # the threshold never moves faster than allowed
    steps = [abs(b.threshold - a.threshold) / (b.t - a.t) for a, b in pairwise(training)]
    assert max(steps) <= 0.02 + 1e-9
    assert events(outputs, "reward")


# --- dropout ------------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["bad", "missing", "gap"])
def test_dropout_glides_to_neutral_keeps_pacer_and_resumes_without_jump(mode: str) -> None:
    p = find_protocol("quick-reset")
    drop = (150.0, 175.0)
    features = ("coherence", "hr") if mode != "gap" else ("coherence",)
    scenario = Scenario(dropouts=(Dropout(*drop, features, mode),))
    outputs = run(p, scenario)
    by_time = {round(o.elapsed, 1): o for o in outputs}
    before = by_time[drop[0] - 0.1]
    assert before.params["warmth"] != 0.5 and not before.inactive
    # reported inactive (a gap is noticed once the newest snapshot is 5 s old)
    notice = drop[0] + (5.2 if mode == "gap" else 0.1)
    assert "warmth" in by_time[notice].inactive and "light" in by_time[notice].inactive
    assert any(not e.data["active"] and e.data["target"] == "warmth" for _, e in events(outputs, "mapping"))
    # glides to neutral within the glide time (3 s), monotonically, and stays there
    during = [o for o in outputs if notice <= o.elapsed < drop[1]]
    warmth = [o.params["warmth"] for o in during]
    assert all(abs(b - 0.5) <= abs(a - 0.5) + 1e-12 for a, b in pairwise(warmth))
    assert by_time[round(notice + 3.1, 1)].params["warmth"] == 0.5
    # the pacer keeps guiding
    assert {round(o.params["pacer_visible"], 6) for o in during} == {1.0}
    assert len({round(o.params["pacer_phase"], 3) for o in during}) > 50
    # resumes: reported active again, no jump larger than the mapping's rate limit
    after = [o for o in outputs if drop[1] <= o.elapsed < 270]
    assert any(e.data["active"] and e.data["target"] == "warmth" for _, e in events(outputs, "mapping"))
    assert not after[-1].inactive and after[-1].params["warmth"] != 0.5
    glide_step = abs(before.params["warmth"] - 0.5) / 3.0 * 0.1  # the glide's straight line
    assert max(abs(b - a) for a, b in pairwise(warmth)) <= glide_step + 1e-9
    resumed = [o.params["warmth"] for o in after]
    assert max(abs(b - a) for a, b in pairwise(resumed)) <= 0.05 * 0.1 + 1e-9  # max_rate * dt


def test_mapping_without_usable_baseline_stays_neutral() -> None:
    p = find_protocol("quick-reset")
    outputs = run(p, Scenario(dropouts=(Dropout(30.0, 90.0, ("coherence",), "missing"),)))
    training = [o for o in outputs if o.phase == "training"]
    assert all(o.params["warmth"] == 0.5 for o in training)
    assert training[0].inactive["warmth"] == "no usable baseline for coherence"
    assert "motion" not in training[-1].inactive  # hr had its baseline


# --- safety -------------------------------------------------------------------------------------


def _safety(outputs: list[StepOutput]) -> tuple[StepOutput, str]:
    found = events(outputs, "safety")
    assert len(found) == 1, found
    out, event = found[0]
    assert [e.data["reason"] for e in out.events if e.kind == "alert_technician"] == [event.data["reason"]]
    return out, event.data["reason"]


@pytest.mark.parametrize(
    ("hr_extra", "reason", "earliest"),
    [
        (lambda s: 90.0 if s >= 150 else 0.0, "hr_ceiling", 160.0),  # 72 + 90 > 140 bpm for 10 s
        (
            lambda s: min(40.0, max(0.0, (s - 150) * 4.0)),
            "hr_rise",
            157.5,
        ),  # +40 bpm in 10 s, below the ceiling
    ],
)
def test_heart_rate_safety_calms_the_scene_and_alerts(hr_extra: object, reason: str, earliest: float) -> None:
    p = find_protocol("quick-reset")
    outputs = run(p, Scenario(hr_extra=hr_extra))  # type: ignore[arg-type]
    out, got = _safety(outputs)
    assert got == reason
    assert earliest <= out.elapsed <= earliest + 10.0
    later = [o for o in outputs if o.elapsed >= out.elapsed + 3.1]
    assert all(o.stopped == reason for o in later)
    for name in ("warmth", "light", "motion", "particles"):
        assert {o.params[name] for o in later} == {p_default(name)}
    assert all(o.rewarded is None for o in later)
    assert not events([o for o in outputs if o.elapsed > out.elapsed], "phase")  # the timeline stops


def p_default(name: str) -> float:
    from scenes.params import SHARED_PARAMS

    return SHARED_PARAMS[name].default


def test_stop_button_stops_the_session() -> None:
    p = find_protocol("alpha-relax")
    snaps = list(simulate(p.duration_s + 1, breathing_schedule(p)))
    outputs = replay(p, snaps, stop_at=snaps[0].t + 200.0)
    out, reason = _safety(outputs)
    assert reason == "stop_requested" and out.elapsed == pytest.approx(200.0)
    assert outputs[-1].params["motion"] == p_default("motion")


def test_maximum_session_length() -> None:
    p = find_protocol("quick-reset")  # max_session_s = 900
    state = start(p, 100.0)
    snaps = list(simulate(p.duration_s, breathing_schedule(p), t0=100.0))
    for s in snaps:
        step(p, state, s.t, s)
    assert state.finished and state.stopped is None
    late = [step(p, state, 100.0 + 300.0 + k, snaps[-1]) for k in range(1, 700)]
    out, reason = _safety(late)
    assert reason == "max_session_length" and out.elapsed == pytest.approx(900.0)


def test_no_safety_event_on_an_ordinary_session() -> None:
    for name in ("quick-reset", "mindfulness-15"):
        assert not events(list(default_session(name)), "safety")


# --- resonance assessment -----------------------------------------------------------------------


@pytest.mark.parametrize("true_rate", [6.5, 6.0, 5.5, 5.0, 4.5])
def test_resonance_assessment_finds_the_true_rate(true_rate: float) -> None:
    p = find_protocol("resonance-assessment")
    outputs = run(p, Scenario(officer=Officer(resonance_rate=true_rate)), seed=int(true_rate * 10))
    results = events(outputs, "resonance_result")
    assert len(results) == 1
    result = results[0][1].data
    assert result["rate"] == true_rate
    assert [b["rate"] for b in result["blocks"]] == [6.5, 6.0, 5.5, 5.0, 4.5]
    assert len(events(outputs, "assessment_block")) == 5


@pytest.mark.parametrize("true_rate", [6.0, 5.0])
def test_resonance_by_peak_trough_heart_rate(true_rate: float) -> None:
    text = (LIBRARY / "resonance-assessment.toml").read_text(encoding="utf-8")
    text = text.replace('metric = "lf"', 'metric = "hr"').replace('"lf_power"', '"peak_trough"')
    text = text.replace("settle_s = 60", "settle_s = 20")
    p = parse_protocol(text, "peak-trough.toml")
    outputs = run(p, Scenario(officer=Officer(resonance_rate=true_rate)), seed=7)
    result = events(outputs, "resonance_result")[0][1].data
    assert result["rate"] == true_rate and result["method"] == "peak_trough"
    for block in result["blocks"]:
        # (120 s - 20 s settle) at the block's rate, less the partial first and last breaths
        assert block["breaths"] >= math.floor(100 * block["rate"] / 60) - 2
        expected = Officer(resonance_rate=true_rate).rsa_amplitude(block["rate"])
        assert abs(block["amplitude"] - expected) <= 0.25 * expected + 2.0  # HR noise adds within a breath


def test_resonance_without_data_reports_no_rate() -> None:
    p = find_protocol("resonance-assessment")
    outputs = run(p, Scenario(dropouts=(Dropout(100.0, 700.0, ("lf",), "missing"),)))
    result = events(outputs, "resonance_result")[0][1].data
    assert result["rate"] is None and result["reason"]
    assert all(b["amplitude"] is None for b in result["blocks"])


# --- the whole library --------------------------------------------------------------------------


@pytest.mark.parametrize("name", library_names())
def test_every_shipped_protocol_runs_to_the_end(name: str) -> None:
    p = find_protocol(name)
    outputs = list(default_session(name))
    assert outputs[-1].finished and outputs[-1].phase == "end"
    assert outputs[-1].elapsed == pytest.approx(p.duration_s)
    assert [e.data["id"] for _, e in events(outputs, "phase")] == [ph.id for ph in p.phases]
    assert not events(outputs, "safety")
    for o in outputs:
        assert all(0.0 <= v <= 1.0 for v in o.params.values()), o.params
    for mapping in p.mappings:  # every mapping moved its parameter during feedback
        assert len({o.params[mapping.target] for o in outputs if o.feedback}) > 10
    if p.assessment is not None:
        assert events(outputs, "resonance_result")[0][1].data["rate"] == Officer().resonance_rate
    assert outputs[-1].params["pacer_visible"] == 0.0 or p.phases[-1].pacer is not None


def test_engine_accepts_no_snapshot() -> None:
    p = find_protocol("quick-reset")
    state = start(p, 0.0)
    outs = [step(p, state, k / 10, None) for k in range(0, 1200)]
    assert outs[-1].phase == "training"
    assert outs[-1].inactive["warmth"] == "no feature data"
    assert outs[-1].params["warmth"] == 0.5


def test_stale_snapshot_counts_as_dropout() -> None:
    p = find_protocol("quick-reset")
    snap = next(iter(simulate(1, breathing_schedule(p), t0=0.0)))
    state = start(p, 0.0)
    out = step(p, state, 0.0, snap)
    old = FeatureSnapshot(-10.0, snap.values, snap.quality)
    out = step(p, state, 95.0, old)
    assert out.inactive["warmth"].startswith("stale data")
