"""The scene catalogue: each scene's parameter schema (shared vocabulary plus its own) and shader."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from scenes.params import SHARED_PARAMS, ParamSpec, SceneParams

# Shared parameters every scene honours (volume drives the ambient sound only).
_COMMON = ("calm", "light", "warmth", "fog", "motion", "particles", "pacer_phase", "pacer_visible", "volume")


@dataclass(frozen=True)
class SceneSpec:
    """A procedural scene: its titles, parameter schema and fragment-shader file."""

    name: str
    title_zh: str
    title_en: str
    shader: str
    params: dict[str, ParamSpec]
    # The one scene-specific parameter, sent to the shader as ``u_extra``.
    extra: str
    # Ambient-sound mix: relative levels of water, wind and soft tones.
    sound_mix: tuple[float, float, float]

    def defaults(self) -> SceneParams:
        """Every parameter of this scene at its default."""
        return {name: spec.default for name, spec in self.params.items()}

    def clamp(self, params: SceneParams) -> SceneParams:
        """Keep only this scene's parameters, each clamped to its range (NaN becomes the default)."""
        return {name: self.params[name].clamp(float(v)) for name, v in params.items() if name in self.params}

    def fragment_source(self) -> str:
        """The scene's complete fragment shader: the common header followed by the scene's code."""
        folder = resources.files("scenes") / "shaders"
        return (folder / "common.glsl").read_text() + "\n" + (folder / self.shader).read_text()


def _schema(extra: ParamSpec) -> dict[str, ParamSpec]:
    schema = {name: SHARED_PARAMS[name] for name in _COMMON}
    schema[extra.name] = extra
    return schema


SCENES: dict[str, SceneSpec] = {
    s.name: s
    for s in [
        SceneSpec(
            "lakeside",
            "黄昏湖畔",
            "Lakeside at dusk",
            "lakeside.glsl",
            _schema(ParamSpec("sun_height", 0.0, 1.0, 0.35, "sun elevation: 0 on the horizon, 1 afternoon")),
            "sun_height",
            (1.0, 0.35, 0.6),
        ),
        SceneSpec(
            "forest",
            "林间空地",
            "Forest glade",
            "forest.glsl",
            _schema(ParamSpec("shafts", 0.0, 1.0, 0.5, "strength of the light shafts through the canopy")),
            "shafts",
            (0.15, 1.0, 0.6),
        ),
        SceneSpec(
            "night",
            "星空",
            "Night sky",
            "night.glsl",
            _schema(ParamSpec("aurora", 0.0, 1.0, 0.5, "brightness of the aurora curtains")),
            "aurora",
            (0.35, 0.4, 1.0),
        ),
        SceneSpec(
            "shanshui",
            "山水墨境",
            "Ink-wash mountains",
            "shanshui.glsl",
            _schema(ParamSpec("ink", 0.0, 1.0, 0.5, "ink density: 0 a pale wash, 1 strong dark ink")),
            "ink",
            (0.7, 0.45, 0.9),
        ),
    ]
}


def get_scene(name: str) -> SceneSpec:
    """The scene called ``name``; a ValueError naming the known scenes otherwise."""
    try:
        return SCENES[name]
    except KeyError:
        raise ValueError(f"unknown scene {name!r}; known: {', '.join(SCENES)}") from None
