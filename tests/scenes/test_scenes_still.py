"""`oasis scene --list` and `oasis scene NAME --thumbnail`: the stills the kiosk's program cards show,
rendered headless (Mesa EGL) at the scene's calm defaults and a fixed scene time."""

from __future__ import annotations

import dataclasses

import numpy as np

from scenes.catalog import SCENES, get_scene
from scenes.scene_still import render_still, still_params, still_version
from station.cli import main
from tests.scenes.test_scenes_cli import load_png


def test_list_prints_every_scene_with_both_titles_chinese_first(capsys):
    assert main(["scene", "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(SCENES)
    for line, spec in zip(lines, SCENES.values(), strict=True):
        assert line.index(spec.title_zh) < line.index(spec.title_en)


def test_a_scene_name_is_needed_without_list(capsys):
    assert main(["scene"]) == 2
    assert "--list" in capsys.readouterr().out


def test_thumbnail_is_written_at_the_asked_size_and_is_the_same_each_time(tmp_path, capsys):
    first, second = tmp_path / "a" / "lake.png", tmp_path / "lake2.png"
    for path in (first, second):
        args = ["scene", "lakeside", "--thumbnail", str(path), "--width", "160", "--height", "90"]
        assert main(args) == 0
    out = capsys.readouterr().out
    assert f"version {still_version(get_scene('lakeside'))}" in out
    image = load_png(first)
    assert image.shape == (90, 160, 3) and image.std() > 5
    assert np.array_equal(image, load_png(second))  # a fixed scene time: the card never flickers


def test_thumbnail_refuses_params_and_bad_sizes(tmp_path, capsys):
    path = str(tmp_path / "x.png")
    assert main(["scene", "night", "--thumbnail", path, "--params", '{"aurora": 1}']) == 2
    assert main(["scene", "night", "--thumbnail", path, "--width", "8"]) == 2
    assert "16 and 8192" in capsys.readouterr().out
    assert not (tmp_path / "x.png").exists()


def test_stills_differ_between_scenes_and_hide_the_breathing_guide():
    stills = {name: render_still(spec, 96, 54).astype(float) for name, spec in SCENES.items()}
    names = list(stills)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert np.abs(stills[a] - stills[b]).mean() > 8, (a, b)
    lake = get_scene("lakeside")
    assert still_params(lake)["pacer_visible"] == 0.0 and still_params(lake)["calm"] == 0.5
    later = render_still(lake, 96, 54, scene_time_s=30.0).astype(float)
    assert np.abs(later - stills["lakeside"]).mean() > 0.2  # the scene time is part of the picture


def test_the_version_follows_the_scene_code():
    lake = get_scene("lakeside")
    other_shader = dataclasses.replace(lake, shader="night.glsl")
    assert still_version(lake) == still_version(get_scene("lakeside"))
    assert still_version(lake) != still_version(other_shader)
    assert len({still_version(s) for s in SCENES.values()}) == len(SCENES)
