"""Print the forest's tree layout as the GLSL constants of scenes/shaders/forest.glsl (TREE, CROWN,
BRANCH_FROM, BRANCH_TO): a near tree on the left that the stereo test measures, seven more near
trees with branches at 5.8–9 m and fifteen at 11–23 m, none in the opening of 40° to the right of
forward where the far wood and the sun are seen. Seeded, so it prints the same arrays every time.

    python scripts/forest_layout.py
"""

from __future__ import annotations

import math

import numpy as np

GAP = (-0.03, 0.70)  # azimuths (radians, + to the right of forward) left open
HERO = (-0.38, 5.2, 0.34, 14.5)  # azimuth, distance, base radius, height of the near tree on the left
BRANCHES_PER_TREE = 3


def azimuths(rng: np.random.Generator, count: int, jitter: float) -> list[float]:
    """``count`` azimuths spread evenly, jittered, over the circle outside the opening."""
    span = 2 * math.pi - (GAP[1] - GAP[0])
    return [GAP[1] + span * (i + 0.5 + jitter * (rng.random() - 0.5)) / count for i in range(count)]


def layout() -> tuple[list[tuple[float, float, float, float, bool]], list[tuple[float, float, float]]]:
    """Trees as (x, z, base radius, height, has branches) and crowns as (radius, height share, tint)."""
    rng = np.random.default_rng(13)
    trees = [(*HERO, True)]
    for a in azimuths(rng, 8, 0.5):
        if abs((a + math.pi) % (2 * math.pi) - math.pi - HERO[0]) < 0.45:
            continue  # leave room around the near tree on the left
        trees.append(
            (a, 5.8 + 3.2 * rng.random(), 0.26 + 0.12 * rng.random(), 12.0 + 3.5 * rng.random(), True)
        )
    for a in azimuths(rng, 15, 0.7):
        trees.append(
            (a, 11.0 + 12.0 * rng.random(), 0.3 + 0.16 * rng.random(), 13.0 + 4.0 * rng.random(), False)
        )
    placed, crowns = [], []
    for a, d, r, h, branches in trees:
        placed.append((math.sin(a) * d, -math.cos(a) * d, r, h, branches))
        crowns.append((2.3 + 1.2 * rng.random(), 0.26 + 0.08 * rng.random(), rng.random()))
    return placed, crowns


def branches(
    tree: tuple[float, float, float, float, bool], tint: float
) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """The branches of a near tree: start, end and radius, rising out of the trunk into the crown."""
    x, z, r, h, _ = tree
    out = []
    for j in range(BRANCHES_PER_TREE):
        az = j * 2.2 + tint * 6.28
        direction = np.array([math.cos(az), 0.55 + 0.25 * j, math.sin(az)])
        start = np.array([x, h * (0.2 + 0.08 * j), z])
        end = start + direction / np.linalg.norm(direction) * (3.6 - 0.5 * j)
        out.append((start, end, (0.1 - 0.015 * j) * r / 0.34))
    return out


def glsl_array(kind: str, name: str, size: str, rows: list[str]) -> str:
    return f"const {kind} {name}[{size}] = {kind}[](\n    " + ",\n    ".join(rows) + ");"


def main() -> None:
    trees, crowns = layout()
    print(
        glsl_array(
            "vec4", "TREE", "TREES", [f"vec4({x:.2f}, {z:.2f}, {r:.2f}, {h:.1f})" for x, z, r, h, _ in trees]
        )
    )
    print(
        glsl_array(
            "vec4",
            "CROWN",
            "TREES",
            [
                f"vec4({c[0]:.2f}, {c[1]:.2f}, {c[2]:.2f}, {float(t[4]):.1f})"
                for t, c in zip(trees, crowns, strict=True)
            ],
        )
    )
    parts = [b for t, c in zip(trees, crowns, strict=True) if t[4] for b in branches(t, round(c[2], 2))]
    print(
        glsl_array(
            "vec4",
            "BRANCH_FROM",
            "BRANCHES",
            [f"vec4({a[0]:.2f}, {a[1]:.2f}, {a[2]:.2f}, {w:.3f})" for a, _, w in parts],
        )
    )
    print(
        glsl_array(
            "vec3",
            "BRANCH_TO",
            "BRANCHES",
            [f"vec3({b[0]:.2f}, {b[1]:.2f}, {b[2]:.2f})" for _, b, _ in parts],
        )
    )


if __name__ == "__main__":
    main()
