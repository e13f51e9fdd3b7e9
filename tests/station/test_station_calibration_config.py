"""station.toml's technician name and [calibration] table: defaults equal the procedures' own,
overrides reach the settings, bad values are refused with a one-line reason."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from station.calibration.settings import CalibrationSettings
from station.config import ConfigError, load_config
from tests.protocol_builder import toml_value


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "station.toml"
    path.write_text(body, encoding="utf-8")
    return path


def test_defaults_match_the_procedures(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, ""))
    assert cfg.technician_name == "technician"
    assert cfg.calibration == CalibrationSettings()


def test_overrides_reach_the_settings(tmp_path: Path) -> None:
    cfg = load_config(
        write(
            tmp_path,
            '[technician]\nname = "王工"\n[calibration]\neda_reference_kohm = 200\n'
            "eeg_eyes_open_s = 30\nresting_hr_s = 120.5\n"
            'resonance_program = "my-resonance"\n',
        )
    )
    assert cfg.technician_name == "王工"
    c = cfg.calibration
    assert c.eda.reference_kohm == 200 and c.eda.expected_us == 5.0
    assert c.eeg.eyes_open_s == 30 and c.eeg.eyes_closed_s == 60
    assert c.heart.rest_s == 120.5 and c.resonance_program == "my-resonance"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (
            "[calibration]\neda_reference_kohm = 0\n",
            "calibration.eda_reference_kohm must be a positive number",
        ),
        ("[calibration]\neda_reference_kohm = 1e-300\n", "must be 1 to 10000 kΩ"),
        ("[calibration]\nresting_hr_s = -5\n", "calibration.resting_hr_s must be a positive number"),
        ('[calibration]\neeg_eyes_open_s = "60"\n', "calibration.eeg_eyes_open_s must be float"),
        ("[calibration]\nwarp = 1\n", "unknown key calibration.warp"),
        ('[technician]\nname = ""\n', "technician.name must be 1 to 64 characters"),
        ('[technician]\nname = "a\\u0007b"\n', "technician.name must be 1 to 64 characters"),
    ],
)
def test_bad_values_are_refused_with_a_reason(tmp_path: Path, body: str, reason: str) -> None:
    with pytest.raises(ConfigError, match=reason):
        load_config(write(tmp_path, body))


@settings(max_examples=80, deadline=None)
@given(
    value=st.one_of(
        st.floats(),
        st.floats(min_value=0, max_value=1e-300),
        st.integers(),
        st.booleans(),
        st.text(max_size=5),
    )
)
def test_any_reference_value_loads_or_is_refused(tmp_path_factory, value) -> None:
    path = tmp_path_factory.mktemp("cfg") / "station.toml"
    path.write_text(f"[calibration]\neda_reference_kohm = {toml_value(value)}\n", encoding="utf-8")
    try:
        cfg = load_config(path)
    except ConfigError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        kohm = cfg.calibration.eda.reference_kohm
        assert math.isfinite(kohm) and kohm > 0 and math.isfinite(cfg.calibration.eda.expected_us)
