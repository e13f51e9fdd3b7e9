"""View and projection matrices (numpy, row-major, OpenGL clip conventions, -Z forward, +Y up).

The world is at 1:1 scale in metres: the floor is y = 0 and a seated user's eyes are at
``SEATED_EYE_HEIGHT`` above the origin. OpenXR's LOCAL space has its origin at the head, so the
XR output lifts it by that height.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

SEATED_EYE_HEIGHT = 1.2
DEFAULT_IPD = 0.064


@dataclass(frozen=True)
class EyeView:
    """One eye: its view matrix (world to eye), projection and world-space position."""

    view: np.ndarray
    projection: np.ndarray
    position: np.ndarray


def projection_from_tangents(
    left: float, right: float, up: float, down: float, near: float = 0.05, far: float = 500.0
) -> np.ndarray:
    """An (asymmetric) perspective projection from the tangents of the four half-angles, as
    OpenXR's XrFovf gives them (left and down are negative)."""
    width, height = right - left, up - down
    return np.array(
        [
            [2.0 / width, 0.0, (right + left) / width, 0.0],
            [0.0, 2.0 / height, (up + down) / height, 0.0],
            [0.0, 0.0, -(far + near) / (far - near), -2.0 * far * near / (far - near)],
            [0.0, 0.0, -1.0, 0.0],
        ]
    )


def projection_from_fovf(fov, near: float = 0.05, far: float = 500.0) -> np.ndarray:
    """The projection for an OpenXR XrFovf (angles in radians)."""
    return projection_from_tangents(
        math.tan(fov.angle_left),
        math.tan(fov.angle_right),
        math.tan(fov.angle_up),
        math.tan(fov.angle_down),
        near,
        far,
    )


def perspective(vertical_fov_deg: float, aspect: float, near: float = 0.05, far: float = 500.0) -> np.ndarray:
    """A symmetric perspective projection."""
    t = math.tan(math.radians(vertical_fov_deg) / 2.0)
    return projection_from_tangents(-t * aspect, t * aspect, t, -t, near, far)


def rotation_from_quaternion(x: float, y: float, z: float, w: float) -> np.ndarray:
    """The 3×3 rotation of a unit quaternion (x, y, z, w)."""
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def rotation_yaw_pitch(yaw: float, pitch: float) -> np.ndarray:
    """Rotation looking ``yaw`` radians left of -Z and ``pitch`` radians up."""
    cy, sy, cp, sp = math.cos(yaw), math.sin(yaw), math.cos(pitch), math.sin(pitch)
    yaw_m = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    pitch_m = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    return yaw_m @ pitch_m


def view_from_pose(rotation: np.ndarray, position: np.ndarray) -> np.ndarray:
    """The view matrix (world to eye) of an eye with this world rotation and position."""
    view = np.eye(4)
    view[:3, :3] = rotation.T
    view[:3, 3] = -rotation.T @ position
    return view


def seated_stereo(
    projection: np.ndarray, yaw: float = 0.0, pitch: float = 0.0, ipd: float = DEFAULT_IPD
) -> list[EyeView]:
    """Left and right eyes of a seated user looking in the direction (yaw, pitch)."""
    rotation = rotation_yaw_pitch(yaw, pitch)
    head = np.array([0.0, SEATED_EYE_HEIGHT, 0.0])
    eyes = []
    for side in (-0.5, 0.5):
        position = head + rotation @ np.array([side * ipd, 0.0, 0.0])
        eyes.append(EyeView(view_from_pose(rotation, position), projection, position))
    return eyes


def centre_eye(projection: np.ndarray, yaw: float = 0.0, pitch: float = 0.0) -> EyeView:
    """A single eye at the seated head position (thumbnails, tests)."""
    rotation = rotation_yaw_pitch(yaw, pitch)
    position = np.array([0.0, SEATED_EYE_HEIGHT, 0.0])
    return EyeView(view_from_pose(rotation, position), projection, position)
