"""`oasis scene`: show a scene on a headset, in a window, or render it headless to images."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from scenes.catalog import SCENES, SceneSpec, get_scene

OUTPUTS = ("headless", "window", "xr")


def configure(parser: argparse.ArgumentParser) -> None:
    """Arguments of `oasis scene`."""
    parser.add_argument("name", nargs="?", help=f"scene: {', '.join(SCENES)}")
    parser.add_argument("--list", action="store_true", help="print every scene with its titles (zh, en)")
    parser.add_argument(
        "--thumbnail",
        type=Path,
        metavar="PNG",
        help="write the scene's still (calm defaults, fixed scene time) to PNG: the program cards' picture",
    )
    parser.add_argument("--width", type=int, help="--thumbnail width in pixels (default 480)")
    parser.add_argument("--height", type=int, help="--thumbnail height in pixels (default 270)")
    parser.add_argument(
        "--output", choices=OUTPUTS, default="headless", help="where to show it (default headless)"
    )
    parser.add_argument("--params", help="parameter values as JSON, e.g. '{\"warmth\": 0.8}', or @FILE")
    parser.add_argument("--frames", type=int, help="stop after N frames (headless default 1)")
    parser.add_argument("--save", type=Path, help="write frames as PNG into DIR")
    parser.add_argument("--sweep", metavar="PARAM", help="render a strip across PARAM's range (headless)")
    parser.add_argument("--steps", type=int, default=7, help="frames in a --sweep strip (default 7)")
    parser.add_argument("--size", help="image or window size WxH (default 320x240 headless, 1280x720 window)")
    parser.add_argument("--stereo", action="store_true", help="headless: both eyes side by side")
    parser.add_argument(
        "--mode",
        choices=("desk", "mirror"),
        default="desk",
        help="window: desk (one eye, mouse-look) or mirror (both eyes)",
    )
    parser.add_argument(
        "--lang",
        choices=("zh-CN", "en"),
        help="show the instruction panel in this language (default: no panel)",
    )
    parser.add_argument("--audio", action="store_true", help="play the ambient sound")
    parser.add_argument(
        "--render-scale",
        type=float,
        default=1.0,
        help="xr: swapchain size as a fraction of the runtime's recommendation",
    )
    parser.add_argument("--describe", action="store_true", help="print the scene's parameter schema as JSON")


class UsageError(ValueError):
    """A bad argument, reported in one line."""


def parse_params(text: str | None, spec: SceneSpec) -> dict[str, float]:
    """The --params JSON (or @file) checked against the scene's schema."""
    if not text:
        return {}
    if text.startswith("@"):
        try:
            text = Path(text[1:]).read_text()
        except OSError as exc:
            raise UsageError(f"cannot read {text[1:]}: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"--params is not valid JSON: {exc.msg} at character {exc.pos}") from None
    if not isinstance(data, dict):
        raise UsageError("--params must be a JSON object of parameter names to numbers")
    unknown = sorted(set(data) - set(spec.params))
    if unknown:
        known = ", ".join(spec.params)
        raise UsageError(f"unknown parameter(s) {', '.join(unknown)}; {spec.name} has {known}")
    bad = [k for k, v in data.items() if isinstance(v, bool) or not isinstance(v, int | float)]
    if bad:
        raise UsageError(f"parameter(s) {', '.join(bad)} must be numbers")
    return spec.clamp(data)


def parse_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise UsageError(f"--size must look like 320x240, not {text!r}") from None
    if not (16 <= width <= 8192 and 16 <= height <= 8192):
        raise UsageError("--size must be between 16 and 8192 pixels each way")
    return width, height


def describe(spec: SceneSpec) -> str:
    return json.dumps(
        {
            "name": spec.name,
            "title": {"zh-CN": spec.title_zh, "en": spec.title_en},
            "params": {
                p.name: {"low": p.low, "high": p.high, "default": p.default, "meaning": p.meaning}
                for p in spec.params.values()
            },
        },
        ensure_ascii=False,
        indent=2,
    )


def run(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except UsageError as exc:
        print(f"oasis scene: {exc}")
        return 2


def scene_list() -> str:
    """One line per scene: its name and its titles, Chinese first."""
    width = max(len(name) for name in SCENES)
    return "\n".join(f"{s.name:<{width}}  {s.title_zh}  {s.title_en}" for s in SCENES.values())


def _run(args: argparse.Namespace) -> int:
    if args.list:
        print(scene_list())
        return 0
    if not args.name:
        raise UsageError(f"name a scene ({', '.join(SCENES)}) or use --list")
    try:
        spec = get_scene(args.name)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.describe:
        print(describe(spec))
        return 0
    if args.thumbnail:
        return _thumbnail(args, spec)
    params = parse_params(args.params, spec)
    if args.frames is not None and args.frames < 1:
        raise UsageError("--frames must be at least 1")
    if args.sweep:
        if args.sweep not in spec.params:
            raise UsageError(f"cannot sweep {args.sweep!r}; {spec.name} has {', '.join(spec.params)}")
        if args.output != "headless":
            raise UsageError("--sweep renders headless images; drop --output")
        if args.steps < 2:
            raise UsageError("--steps must be at least 2")
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
    if args.sweep:
        return _sweep(args, spec, params)
    if args.output == "headless":
        return _headless(args, spec, params)
    return _live(args, spec, params)


def _headless(args: argparse.Namespace, spec: SceneSpec, params: dict[str, float]) -> int:
    from scenes.headless_output import HeadlessOutput
    from scenes.images import write_png

    width, height = parse_size(args.size or "320x240")
    out = HeadlessOutput(
        spec, width, height, stereo=args.stereo, params=params, panel_language=args.lang, audio=args.audio
    )
    frames = args.frames or 1
    started = time.perf_counter()
    try:
        for i in range(frames):
            out.frame()
            image = out.snapshot()
            if args.save:
                write_png(args.save / f"{spec.name}-{i:04d}.png", image)
    finally:
        out.close()
    elapsed = time.perf_counter() - started
    where = f" into {args.save}" if args.save else ""
    print(f"{spec.name}: {frames} frame(s) {width}x{height}{where}, {1000 * elapsed / frames:.1f} ms/frame")
    return 0


def _thumbnail(args: argparse.Namespace, spec: SceneSpec) -> int:
    from scenes.images import write_png
    from scenes.scene_still import STILL_TIME_S, render_still, still_version

    if args.params or args.sweep or args.output != "headless":
        raise UsageError(
            "--thumbnail renders the scene's calm defaults headless; drop --params/--sweep/--output"
        )
    width, height = parse_size(f"{args.width or 480}x{args.height or 270}")
    try:
        args.thumbnail.parent.mkdir(parents=True, exist_ok=True)
        write_png(args.thumbnail, render_still(spec, width, height))
    except OSError as exc:
        raise UsageError(f"cannot write {args.thumbnail}: {exc.strerror}") from None
    version = still_version(spec)
    print(f"{args.thumbnail}: {spec.name} still {width}x{height} at {STILL_TIME_S:g} s (version {version})")
    return 0


def _sweep(args: argparse.Namespace, spec: SceneSpec, params: dict[str, float]) -> int:
    import numpy as np

    from scenes.headless_output import HeadlessOutput
    from scenes.images import write_png

    width, height = parse_size(args.size or "320x240")
    param = spec.params[args.sweep]
    out = HeadlessOutput(spec, width, height, params=params, panel_language=args.lang)
    tiles, report = [], []
    try:
        for value in np.linspace(param.low, param.high, args.steps):
            out.player.jump_to({args.sweep: float(value)})
            out.render()
            tile = out.snapshot()
            tiles.append(tile)
            report.append(f"{value:.2f}:{(tile.astype(float) @ [0.2126, 0.7152, 0.0722]).mean():.0f}")
    finally:
        out.close()
    path = (args.save or Path(".")) / f"{spec.name}-sweep-{args.sweep}.png"
    write_png(path, np.concatenate(tiles, axis=1))
    print(f"{path}: {args.sweep} {param.low:g}..{param.high:g}; mean luminance {' '.join(report)}")
    return 0


def _live(args: argparse.Namespace, spec: SceneSpec, params: dict[str, float]) -> int:
    from scenes.images import write_png
    from scenes.window_output import WindowOutput
    from scenes.xr_output import XrOutput

    out: WindowOutput | XrOutput
    if args.output == "window":
        width, height = parse_size(args.size or "1280x720")
        out = WindowOutput(spec, width, height, args.mode, params, panel_language=args.lang, audio=args.audio)
    else:
        out = XrOutput(
            spec, params, panel_language=args.lang, audio=args.audio, render_scale=args.render_scale
        )
    count = 0
    try:
        while args.frames is None or count < args.frames:
            out.capture_next = bool(args.save)
            if not out.frame():
                break
            # a window shows every frame; a headset counts the frames it accepted
            shown = out.frames_submitted if isinstance(out, XrOutput) else count + 1
            if shown > count:
                count = shown
                image = out.snapshot()
                if args.save and image is not None:
                    write_png(args.save / f"{spec.name}-{count:04d}.png", image)
    except KeyboardInterrupt:
        pass
    finally:
        out.close()
    print(f"{spec.name}: {count} frame(s) shown on {args.output}")
    return 0
