"""Protocol files: the shipped library validates, and every validation rule rejects a broken file
with a message that names the file, the key and what is wrong."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protocols.loader import ProtocolError, find_protocol, library_names, load_protocol, parse_protocol
from protocols.protocol_model import Normalise
from tests.protocol_builder import toml_value

VALID = """
id = "test-protocol"
duration_s = 100

[name]
zh-CN = "测试"
en = "Test"

[description]
zh-CN = "测试用"
en = "For tests"

[[phases]]
id = "settle"
duration_s = 10
feedback = false
instructions = { zh-CN = "坐好", en = "Sit" }
pacer = { rate = 6.0, inhale = 4, exhale = 6 }

[[phases]]
id = "baseline"
duration_s = 30
baseline = true
instructions = { zh-CN = "呼吸", en = "Breathe" }
pacer = { rate = 6.0 }

[[phases]]
id = "training"
duration_s = 60
instructions = { zh-CN = "继续", en = "Go on" }
pacer = "off"

[[mappings]]
target = "warmth"
metric = "coherence"
normalise = "zscore"
curve = "sigmoid"
input = [-1.0, 2.0]
output = [0.3, 0.9]
direction = "up"
smoothing_s = 2.0
max_rate = 0.1

[reward]
metric = "coherence"
target_share = [0.6, 0.7]
target = "particles"
on = 0.8
off = 0.2

[dropout]
glide_s = 3.0
worst_quality = "degraded"

[safety]
max_session_s = 200
hr_ceiling_bpm = 140
"""


def test_valid_base_parses() -> None:
    p = parse_protocol(VALID, "base.toml")
    assert [ph.id for ph in p.phases] == ["settle", "baseline", "training"]
    assert p.phases[2].pacer is None
    assert p.phases[1].pacer is not None and p.phases[1].pacer.inhale_share == pytest.approx(0.4)
    assert p.mappings[0].normalise == Normalise.ZSCORE
    assert p.reward is not None and p.reward.target == "particles"


@pytest.mark.parametrize("name", library_names())
def test_every_shipped_protocol_validates(name: str) -> None:
    p = find_protocol(name)
    assert p.id == name
    assert p.name.zh and p.name.en and p.description.zh and p.description.en
    assert all(ph.instructions.zh and ph.instructions.en for ph in p.phases)


def test_library_is_complete() -> None:
    assert set(library_names()) >= {
        "quick-reset", "coherent-breathing", "alpha-relax", "mindfulness-15", "resonance-assessment"
    }  # fmt: skip
    durations = {n: find_protocol(n).duration_s for n in library_names()}
    assert durations["quick-reset"] == 300 and durations["coherent-breathing"] == 600
    assert durations["alpha-relax"] == 720 and durations["mindfulness-15"] == 900
    rates = [p.pacer.rate for p in find_protocol("resonance-assessment").phases if p.assess_rate and p.pacer]
    assert rates == [6.5, 6.0, 5.5, 5.0, 4.5]


# (what to change in VALID, key named in the error, words in the error)
BROKEN = [
    ('id = "test-protocol"', 'id = "test-protocol"\nid2 = 1', "id2", "unknown key"),
    ('id = "test-protocol"', "", "id", "missing"),
    ('id = "test-protocol"', 'id = "Test Protocol"', "id", "lower-case"),
    ('en = "Test"', "", "name.en", "missing"),
    ('en = "Test"', 'en = ""', "name.en", "non-empty"),
    ("duration_s = 100", "duration_s = 120", "duration_s", "add up to 100"),
    ("duration_s = 100", 'duration_s = "long"', "duration_s", "finite number"),
    ("duration_s = 100", "duration_s = true", "duration_s", "finite number"),
    ("duration_s = 10\n", "duration_s = -10\n", "phases[0].duration_s", "> 0"),
    ('id = "baseline"', 'id = "settle"', "phases[1].id", "duplicate"),
    ("pacer = { rate = 6.0 }", "pacer = { rate = 40.0 }", "phases[1].pacer.rate", "<= 30"),
    ("pacer = { rate = 6.0 }", "pacer = { inhale = 4 }", "phases[1].pacer.rate", "missing"),
    ("pacer = { rate = 6.0 }", "pacer = { rate = 6.0, exhale = 0 }", "phases[1].pacer.exhale", "> 0"),
    ('pacer = "off"', 'pacer = "fast"', "phases[2].pacer", "off"),
    (
        'instructions = { zh-CN = "继续", en = "Go on" }',
        'instructions = "go on"',
        "phases[2].instructions",
        "zh-CN and en",
    ),
    ("feedback = false\n", "baseline = true\nfeedback = false\n", "phases[1].baseline", "only one"),
    ("baseline = true\n", "baseline = true\nfeedback = true\n", "phases[1].feedback", "cannot give feedback"),
    ("feedback = false\n", "", "phases[0].feedback", "before the baseline"),
    ('target = "warmth"', 'target = "warmht"', "mappings[0].target", "unknown scene parameter"),
    ('target = "warmth"', 'target = "pacer_phase"', "mappings[0].target", "driven by the pacer"),
    ('target = "warmth"', 'target = "particles"', "reward.target", "already driven"),
    (
        'metric = "coherence"\nnormalise',
        'metric = "coherance"\nnormalise',
        "mappings[0].metric",
        "unknown feature",
    ),
    ('curve = "sigmoid"', 'curve = "cubic"', "mappings[0].curve", "one of"),
    ('direction = "up"', 'direction = "sideways"', "mappings[0].direction", "one of"),
    ('normalise = "zscore"', 'normalise = "minmax"', "mappings[0].normalise", "one of"),
    ("input = [-1.0, 2.0]", "input = [2.0, -1.0]", "mappings[0].input", "low must be below high"),
    ("input = [-1.0, 2.0]", "input = [1.0]", "mappings[0].input", "pair"),
    ("output = [0.3, 0.9]", "output = [0.3, 1.5]", "mappings[0].output", "outside 'warmth'"),
    ("smoothing_s = 2.0", "smoothing_s = -1.0", "mappings[0].smoothing_s", ">= 0"),
    ("max_rate = 0.1", "max_rate = 0", "mappings[0].max_rate", "> 0"),
    ("max_rate = 0.1", "max_rate = 0.1\nspeed = 2", "mappings[0].speed", "unknown key"),
    ("baseline = true\n", "", "mappings[0].normalise", "no phase has baseline"),
    ("target_share = [0.6, 0.7]", "target_share = [0.6, 1.0]", "reward.target_share", "strictly between"),
    ("on = 0.8", "on = 2.0", "reward.on/off", "outside 'particles'"),
    ('worst_quality = "degraded"', 'worst_quality = "bad"', "dropout.worst_quality", "bad data"),
    ("glide_s = 3.0", "glide_s = 0", "dropout.glide_s", "> 0"),
    ("max_session_s = 200", "max_session_s = 50", "safety.max_session_s", "shorter than the protocol"),
    ("hr_ceiling_bpm = 140", "hr_ceiling_bpm = 400", "safety.hr_ceiling_bpm", "<= 220"),
    ('pacer = "off"', 'pacer = "off"\nassess_rate = true', "phases[2].assess_rate", "needs an [assessment]"),
]


@pytest.mark.parametrize(("old", "new", "key", "words"), BROKEN, ids=[f"{b[2]}-{b[3]}" for b in BROKEN])
def test_each_rule_rejects_a_broken_file(tmp_path: Path, old: str, new: str, key: str, words: str) -> None:
    assert old in VALID
    path = tmp_path / "broken.toml"
    path.write_text(VALID.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ProtocolError) as exc:
        load_protocol(path)
    lines = exc.value.problems
    assert any(line.startswith(f"broken.toml: {key}: ") and words in line for line in lines), lines


def test_toml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "syntax.toml"
    path.write_text(VALID.replace('id = "test-protocol"', 'id = "test-protocol'), encoding="utf-8")
    with pytest.raises(ProtocolError, match=r"^syntax\.toml: TOML syntax: .*line 2"):
        load_protocol(path)


def test_all_problems_are_reported_at_once() -> None:
    text = VALID.replace('curve = "sigmoid"', 'curve = "cubic"').replace("max_rate = 0.1", "max_rate = -1")
    with pytest.raises(ProtocolError) as exc:
        parse_protocol(text, "two.toml")
    assert len(exc.value.problems) == 2


ASSESSMENT = """
id = "assess"
duration_s = 240

[name]
zh-CN = "测定"
en = "Assess"

[description]
zh-CN = "测定"
en = "Assess"

[[phases]]
id = "a"
duration_s = 120
feedback = false
assess_rate = true
instructions = { zh-CN = "呼吸", en = "Breathe" }
pacer = { rate = 6.0 }

[[phases]]
id = "b"
duration_s = 120
feedback = false
assess_rate = true
instructions = { zh-CN = "呼吸", en = "Breathe" }
pacer = { rate = 5.0 }

[assessment]
metric = "lf"
settle_s = 60
"""


@pytest.mark.parametrize(
    ("old", "new", "key", "words"),
    [
        ("settle_s = 60", "settle_s = 120", "assessment.settle_s", "leaves nothing"),
        ("rate = 5.0", "rate = 6.0", "assessment", "distinct rates"),
        ("pacer = { rate = 5.0 }", 'pacer = { rate = "resonance" }', "phases[1].pacer", "fixed pacer rate"),
        ('metric = "lf"', 'metric = "lf"\nmethod = "fft"', "assessment.method", "one of"),
    ],
)
def test_assessment_rules(old: str, new: str, key: str, words: str) -> None:
    assert parse_protocol(ASSESSMENT, "a.toml").assessment is not None
    with pytest.raises(ProtocolError) as exc:
        parse_protocol(ASSESSMENT.replace(old, new), "a.toml")
    assert any(line.startswith(f"a.toml: {key}: ") and words in line for line in exc.value.problems), (
        exc.value
    )


def test_extra_params_are_declared_explicitly() -> None:
    with_extra = VALID.replace('target = "warmth"', 'target = "water_glow"') + (
        "\n[extra_params.water_glow]\nlow = 0.0\nhigh = 2.0\nneutral = 1.0\n"
    )
    p = parse_protocol(with_extra, "x.toml")
    assert p.extra_params[0].name == "water_glow" and p.mappings[0].target == "water_glow"
    with pytest.raises(ProtocolError, match=r"extra_params.water_glow.neutral: must lie within"):
        parse_protocol(with_extra.replace("neutral = 1.0", "neutral = 3.0"), "x.toml")
    with pytest.raises(ProtocolError, match=r"extra_params.fog: is a shared scene parameter"):
        parse_protocol(VALID + "\n[extra_params.fog]\nlow = 0\nhigh = 1\nneutral = 0.5\n", "x.toml")


def test_unknown_name_lists_the_library() -> None:
    with pytest.raises(ProtocolError, match="quick-reset"):
        find_protocol("no-such-protocol")
    for hostile in ("a" * 5000, "two\nlines"):  # longer than a file name may be; a newline
        with pytest.raises(ProtocolError) as caught:
            find_protocol(hostile)
        (line,) = caught.value.problems
        assert "no such protocol file" in line and "\n" not in line and len(line) < 400


def test_unreadable_file_is_a_protocol_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'id = "\xe9"\n')
    with pytest.raises(ProtocolError, match="cannot read"):
        load_protocol(path)


_line = re.compile(r"^[^:]+\.toml: \S")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=400))
def test_fuzz_arbitrary_text_never_crashes(text: str) -> None:
    try:
        parse_protocol(text, "fuzz.toml")
    except ProtocolError as exc:
        assert exc.problems and all(_line.match(p) for p in exc.problems)


_scalars = st.one_of(
    st.integers(-1000, 1000), st.floats(allow_nan=True, allow_infinity=True), st.booleans(),
    st.text(max_size=8), st.just("[]"), st.just("{}"), st.just("[1, 2]"),
)  # fmt: skip


def _toml_value(v: object) -> str:
    """The strings "[]", "{}" and "[1, 2]" stand for raw TOML arrays and tables."""
    return v if isinstance(v, str) and v in ("[]", "{}", "[1, 2]") else toml_value(v)


_assignments = [m.start() for m in re.finditer(r"(?m)^[a-z_]+ = ", VALID)]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(_assignments), _scalars)
def test_fuzz_any_value_in_any_key_gives_protocol_or_clear_error(where: int, value: object) -> None:
    end = VALID.index("\n", where)
    key = VALID[where:end].split(" = ")[0]
    text = VALID[:where] + f"{key} = {_toml_value(value)}" + VALID[end:]
    try:
        parse_protocol(text, "fuzz.toml")
    except ProtocolError as exc:
        assert exc.problems and all(_line.match(p) for p in exc.problems)


# Hostile files (issue 16): each is refused with one line per problem, never a RecursionError,
# OverflowError or MemoryError, and no message echoes a huge value back.
def _valid_with(old: str, new: str) -> str:
    assert old in VALID
    return VALID.replace(old, new)


_HOSTILE = [
    ("deep arrays", "x = " + "[" * 5000 + "]" * 5000, "nesting: tables and arrays nest more than 8 deep"),
    ("deep inline tables", "x = " + "{a=" * 3000 + "1" + "}" * 3000, "nesting: tables and arrays nest"),
    ("deep dotted key", "a" + ".a" * 2000 + " = 1", "nesting: tables and arrays nest"),
    ("nine levels", "x = " + "[" * 9 + "]" * 9, "nesting: tables and arrays nest"),
    ("400-digit integer", _valid_with("duration_s = 100", "duration_s = " + "9" * 400),
     "duration_s: must lie within"),
    ("5000-digit integer", "duration_s = " + "9" * 5000, "TOML syntax: Exceeds the limit"),
    ("smoothing_s = 1e308", _valid_with("smoothing_s = 2.0", "smoothing_s = 1e308"),
     "mappings[0].smoothing_s: must lie within"),
    ("smoothing_s = 1e5", _valid_with("smoothing_s = 2.0", "smoothing_s = 1e5"),
     "mappings[0].smoothing_s: must be <= 600"),
    ("a day-long phase", _valid_with("duration_s = 60", "duration_s = 90000"),
     "phases[2].duration_s: must be <= 86400"),
    ("100 000-character name", _valid_with('en = "Test"', f'en = "{"x" * 100_000}"'),
     "name.en: must be at most 80 characters, got 100000"),
    ("100 000-character id", _valid_with('id = "test-protocol"', f'id = "{"a" * 100_000}"'),
     "id: must be at most 80 characters"),
    ("newline in a key", VALID + '\n["a\\nb"]\nx = 1\n', "a\\nb: unknown key"),
    ("huge unknown key", VALID + f'\n{"k" * 100_000} = 1\n', "kkkk…: unknown key"),
    ("200 phases", VALID + '[[phases]]\nid = "p"\n' * 200, "phases: has 203 entries, at most 100"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), [h[1:] for h in _HOSTILE], ids=[h[0] for h in _HOSTILE])
def test_hostile_file_gives_short_one_line_problems(text: str, expected: str) -> None:
    with pytest.raises(ProtocolError) as caught:
        parse_protocol(text, "hostile.toml")
    problems = caught.value.problems
    assert any(expected in p for p in problems), problems
    assert all(_line.match(p) and "\n" not in p and len(p) < 400 for p in problems), problems


def test_a_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + VALID.encode("utf-8"))
    assert load_protocol(path).id == "test-protocol"


def test_endless_and_oversized_files_are_refused_after_a_bounded_read(tmp_path: Path) -> None:
    with pytest.raises(ProtocolError) as endless:
        load_protocol("/dev/zero")
    assert endless.value.problems == ["zero: size: larger than 262144 bytes"]
    big = tmp_path / "big.toml"
    big.write_text(VALID + "# padding\n" * 30_000)
    with pytest.raises(ProtocolError, match=r"^big.toml: size: larger than 262144 bytes$"):
        load_protocol(big)
    with pytest.raises(ProtocolError, match="size: more than 262144 characters"):
        parse_protocol(VALID + "#" * 300_000, "long.toml")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=600), st.sampled_from([b"", b"\xef\xbb\xbf", VALID.encode()[:200]]))
def test_fuzz_random_bytes_from_a_file(tmp_path: Path, body: bytes, prefix: bytes) -> None:
    path = tmp_path / "random.toml"
    path.write_bytes(prefix + body)
    try:
        load_protocol(path)
    except ProtocolError as exc:
        assert exc.problems and all(_line.match(p) or "cannot read" in p for p in exc.problems)
        assert all("\n" not in p for p in exc.problems)
