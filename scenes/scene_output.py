"""The one interface every scene output (headless, window, OpenXR headset) implements.

An output owns a GL context and the eyes; ``frame()`` advances the player's clock, renders and
presents one frame and returns False once the output has ended (window closed, XR session
exiting).
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING

import numpy as np

from scenes.panel_status import PanelStatus
from scenes.params import SceneParams

if TYPE_CHECKING:
    from scenes.player import ScenePlayer


class SceneOutput(ABC):
    """A place a scene is shown: a headset, a window or an offscreen image."""

    player: ScenePlayer  # created once the output's GL context exists

    @abstractmethod
    def frame(self) -> bool:
        """Advance, render and present one frame; False when the output has ended."""

    def snapshot(self) -> np.ndarray | None:
        """The last frame as an (h, w, 3) uint8 image, where the output can give one."""
        return None

    def set_params(self, params: SceneParams) -> None:
        """New target parameters (eased over the following frames)."""
        self.player.set_params(params, time.monotonic())

    def set_status(self, status: PanelStatus) -> None:
        """New words for the in-headset panel (phase, minutes left, sensor notice, closing)."""
        self.player.set_status(status)

    def mirror(self) -> np.ndarray | None:
        """What the officer sees now, for the kiosk monitor: an output with a headset gives the
        image it submitted for the left eye; the others give their ``snapshot``."""
        return self.snapshot()

    @property
    def headset_worn(self) -> bool | None:
        """Whether the officer wears the headset now; None where the output cannot tell (headless,
        window)."""
        return None

    @abstractmethod
    def close(self) -> None:
        """Release the output; safe to call more than once."""
