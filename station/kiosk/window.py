"""The kiosk window: draws the current screen, turns touches into flow events, ticks the flow,
and hands every effect to the runtime through ``on_effects``.

A barcode or QR scanner on the check-in screen is a USB keyboard: it types the officer's code and
presses Enter. Typed text therefore goes to the code entry (and to the PIN pad when it is open),
Backspace deletes and Enter confirms, exactly as the on-screen keys do."""

from __future__ import annotations

import time
from collections.abc import Callable

import pyglet

from station.kiosk import flow as f
from station.kiosk.kiosk_model import KioskModel
from station.kiosk.layout import layout
from station.kiosk.render import draw, hit
from station.kiosk.widgets import Widget
from station.store.officer_codes import ALPHABET


class KioskApp:
    """One kiosk window (full screen on the station monitor; any size headless in tests)."""

    def __init__(
        self,
        flow: f.SessionFlow,
        model: KioskModel,
        on_effects: Callable[[list[f.Effect]], None],
        *,
        window: pyglet.window.Window | None = None,
        clock: Callable[[], float] = time.monotonic,
        on_tap: Callable[[str], None] | None = None,
    ) -> None:
        self.flow, self.model, self.on_effects, self.clock = flow, model, on_effects, clock
        self.on_tap = on_tap  # e.g. KioskController.tap: touches take the controller's path
        self.window = window or pyglet.window.Window(fullscreen=True, caption="Oasis 减压驿站")
        self.widgets: list[Widget] = []
        self.window.push_handlers(
            on_draw=self.on_draw,
            on_mouse_press=self.on_mouse_press,
            on_text=self.on_text,
            on_key_press=self.on_key_press,
        )

    def on_draw(self) -> None:
        width, height = self.window.get_framebuffer_size()
        self.widgets = layout(self.model, self.flow, self.clock(), width, height)
        draw(self.widgets, height, {"headset_view": self.model.headset_view})

    def on_mouse_press(self, x: int, y: int, button: int, modifiers: int) -> None:
        """A touch (touch screens arrive as mouse presses), in window coordinates from the bottom."""
        ratio = self.window.get_pixel_ratio()
        height = self.window.get_framebuffer_size()[1]
        action = hit(self.widgets, x * ratio, height - y * ratio)
        if action:
            self._tap(action)

    def _tap(self, action: str) -> None:
        if self.on_tap is not None:
            self.on_tap(action)
            return
        event = self.model.tap(action, self.flow.screen)
        if event is not None:
            self._apply(self.flow.handle(event, self.clock()))

    def on_text(self, text: str) -> None:
        """Typed or scanned characters: officer-code keys on check-in, digits on the PIN pad."""
        for char in text.upper():
            if self.model.pin_pad and char.isdigit():
                self._tap(f"pin_key:{char}")
            elif self.flow.screen is f.Screen.CHECK_IN and char in ALPHABET:
                self._tap(f"key:{char}")

    def on_key_press(self, symbol: int, modifiers: int) -> None:
        """Enter confirms and Backspace deletes, on the check-in screen and the PIN pad."""
        keys = pyglet.window.key
        pin = self.model.pin_pad
        if symbol in (keys.ENTER, keys.RETURN, keys.NUM_ENTER):
            if pin or self.flow.screen is f.Screen.CHECK_IN:
                self._tap("pin_ok" if pin else "submit_code")
        elif symbol == keys.BACKSPACE and (pin or self.flow.screen is f.Screen.CHECK_IN):
            self._tap("pin_delete" if pin else "delete")

    def tick(self, dt: float = 0.0) -> None:
        """Advance the flow's clock (scheduled at 10 Hz by ``run``)."""
        self._apply(self.flow.tick(self.clock()))

    def run(self) -> None:
        pyglet.clock.schedule_interval(self.tick, 0.1)
        pyglet.app.run()

    def _apply(self, effects: list[f.Effect]) -> None:
        if any(isinstance(e, f.ReturnedToIdle) for e in effects):
            self.model.reset()
        if effects:
            self.on_effects(effects)
