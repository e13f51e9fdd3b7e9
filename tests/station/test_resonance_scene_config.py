"""The [scene] table of station.toml: defaults, overrides, every bad value's one-line reason, and
`oasis station run --scene/--output` overriding it (real subprocesses of the CLI)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from station.commands.station_run import choose_output, scene_settings
from station.config import ConfigError, SceneConfig, load_config
from tests.cli_support import STATION_RUN, no_display_env
from tests.protocol_builder import toml_value


def _config(tmp_path: Path, scene: str) -> Path:
    path = tmp_path / "station.toml"
    path.write_text(
        f'[storage]\ndata_dir = "{tmp_path / "data"}"\n[admin]\ndiscover = false\n[scene]\n{scene}\n',
        encoding="utf-8",
    )
    return path


def test_defaults_and_overrides(tmp_path: Path) -> None:
    assert load_config(_config(tmp_path, "")).scene == SceneConfig("lakeside", "auto", 640, 360, 30.0)
    cfg = load_config(
        _config(
            tmp_path,
            'name = "night"\noutput = "headless"\nheadless_width = 320\nheadless_height = 200\npace_fps = 0',
        )
    )
    assert cfg.scene == SceneConfig("night", "headless", 320, 200, 0.0)
    settings_ = scene_settings(cfg.scene, None, "headless")
    assert (settings_.scene, settings_.output, settings_.options, settings_.pace_fps) == (
        "night",
        "headless",
        {"width": 320, "height": 200},
        None,
    )  # 0 fps: unpaced
    flagged = scene_settings(cfg.scene, "forest", "window")
    assert (flagged.scene, flagged.options, flagged.pace_fps) == ("forest", {}, None)


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('name = "beach"', "scene.name must be one of lakeside, forest, night, shanshui, got 'beach'"),
        ('output = "vr"', "scene.output must be one of auto, xr, window, headless, got 'vr'"),
        ("headless_width = 8", "scene.headless_width must be 16 to 8192 pixels, got 8"),
        ("headless_height = 100000", "scene.headless_height must be 16 to 8192 pixels, got 100000"),
        ("pace_fps = -1", "scene.pace_fps must be 0 (unpaced) to 240, got -1"),
        ('headless_width = "wide"', "scene.headless_width must be int, got 'wide'"),
        ("headless_width = 640.0", "scene.headless_width must be int, got 640.0"),
        ("pace_fps = true", "scene.pace_fps must be float, got True"),
        ("fps = 30", "unknown key scene.fps"),
    ],
)
def test_bad_values_are_refused_with_the_key_and_reason(tmp_path: Path, line: str, reason: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(_config(tmp_path, line))
    assert str(caught.value).endswith(reason)


_VALUES = st.one_of(
    st.integers(-10, 10_000),
    st.floats(allow_nan=False),
    st.booleans(),
    st.sampled_from(["auto", "xr", "window", "headless", "lakeside", "forest", "", "夜"]),
)


@settings(max_examples=80, deadline=None)
@given(
    table=st.dictionaries(
        st.sampled_from(["name", "output", "headless_width", "headless_height", "pace_fps", "x"]), _VALUES
    )
)
def test_any_scene_table_loads_or_is_refused_cleanly(tmp_path_factory, table: dict) -> None:
    path = tmp_path_factory.mktemp("cfg") / "station.toml"
    path.write_text(
        "[scene]\n" + "".join(f"{k} = {toml_value(v)}\n" for k, v in table.items()), encoding="utf-8"
    )
    try:
        scene = load_config(path).scene
    except ConfigError as exc:
        assert "\n" not in str(exc) and "scene" in str(exc)
    else:
        assert scene.output in ("auto", "xr", "window", "headless") and 16 <= scene.headless_width <= 8192
        assert 0 <= scene.pace_fps <= 240


def test_auto_follows_the_machine_and_an_explicit_output_wins() -> None:
    assert choose_output("auto", has_display=False, has_xr=False) == "headless"
    assert choose_output("auto", has_display=True, has_xr=False) == "window"
    assert choose_output("window", has_display=True, has_xr=True) == "window"


def _run(config: Path, *flags: str, script: Path | None = None) -> subprocess.CompletedProcess:
    env = no_display_env()
    extra = ["--headless-script", str(script)] if script else []
    return subprocess.run(
        [*STATION_RUN, "--config", str(config), *flags, *extra],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_the_station_command_uses_the_table_and_its_flags_override_it(tmp_path: Path) -> None:
    config = _config(
        tmp_path, 'name = "forest"\noutput = "headless"\nheadless_width = 64\nheadless_height = 36'
    )
    script = tmp_path / "script.json"
    script.write_text('{"steps": [{"tap": "begin"}, {"wait_for": "check_in", "timeout_s": 5}]}')
    from_table = _run(config, script=script)
    assert from_table.returncode == 0, from_table.stderr[-2000:]
    assert "scene forest, scene output headless" in from_table.stdout
    flagged = _run(config, "--scene", "night", script=script)
    assert flagged.returncode == 0 and "scene night, scene output headless" in flagged.stdout
    unknown = _run(config, "--scene", "beach", script=script)
    assert unknown.returncode == 2 and "Traceback" not in unknown.stderr
    assert unknown.stderr.strip() == (
        "oasis station run: unknown scene 'beach'; known: lakeside, forest, night, shanshui"
    )
    window = _run(config, "--output", "window", script=script)
    assert window.returncode == 2
    assert window.stderr.strip() == "oasis station run: --output window needs a display (DISPLAY is not set)"
    bad = _run(_config(tmp_path, 'output = "vr"'))
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "scene.output must be one of" in bad.stderr
