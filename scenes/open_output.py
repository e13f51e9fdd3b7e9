"""Open a scene output by name (headless, window, xr), importing only the one asked for."""

from __future__ import annotations

from scenes.catalog import SceneSpec
from scenes.headless_output import HeadlessOutput
from scenes.scene_output import SceneOutput

OUTPUTS = ("headless", "window", "xr")


def open_output(kind: str, spec: SceneSpec, **options) -> SceneOutput:
    """Create the output called ``kind`` (one of OUTPUTS) for ``spec``."""
    if kind == "headless":
        return HeadlessOutput(spec, **options)
    if kind == "window":
        from scenes.window_output import WindowOutput

        return WindowOutput(spec, **options)
    if kind == "xr":
        from scenes.xr_output import XrOutput

        return XrOutput(spec, **options)
    raise ValueError(f"unknown output {kind!r}; choose one of {', '.join(OUTPUTS)}")
