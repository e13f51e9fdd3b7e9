"""Technician mode's controller side: pulls the sensors, runs the chosen calibration, refreshes the
live sensor rows, stores a result the technician saves (or applies to the bridged GSR device it
measured, see eda_profile.py), and hands an officer over to the resonance
assessment. The kiosk controller calls ``action`` (through KioskModel.tap) and ``poll`` (its tick)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, replace
from typing import TYPE_CHECKING

from sensors.devices.gsr import load_calibration
from sensors.lsl.stream_catalog import SourceRegistry
from sensors.types import StreamKind
from station.calibration.eda_check import EdaCheck
from station.calibration.eda_profile import ApplyOffer, ProfileRefused, bridge_for, correct_calibration
from station.calibration.eeg_reactivity import EegReactivity
from station.calibration.live import live_rows
from station.calibration.procedure import Procedure
from station.calibration.resting_hr import RestingHeart
from station.calibration.settings import CalibrationSettings
from station.kiosk import flow as f
from station.kiosk.kiosk_model import KioskModel
from station.kiosk.texts import text
from station.store import SessionStore
from station.store.officer_codes import InvalidOfficerCode

if TYPE_CHECKING:
    from station.bridges import BridgeManager

log = logging.getLogger(__name__)

LIVE_EVERY_S = 0.2
PROCEDURE_PAGES = ("eda", "eeg", "hr")


class TechnicianDesk:
    """The running calibration and the live rows of one kiosk's technician mode."""

    def __init__(
        self,
        registry: SourceRegistry,
        store: SessionStore,
        model: KioskModel,
        settings: CalibrationSettings,
        technician: str,
        feed: Callable[[f.Event], None],
        bridges: BridgeManager | None = None,
    ) -> None:
        self.registry, self.store, self.model, self.bridges = registry, store, model, bridges
        self.settings, self.technician, self.feed = settings, technician, feed
        self.procedure: Procedure | None = None
        self.saved: list[str] = []  # calibration UUIDs stored in this kiosk's lifetime
        self._last_live = float("-inf")
        self._offered: Procedure | None = None  # the procedure whose result got its apply offer
        model.calibration_facts = {
            "kohm": settings.eda.reference_kohm,
            "open": settings.eeg.eyes_open_s,
            "closed": settings.eeg.eyes_closed_s,
            "rest": settings.heart.rest_s,
        }

    def procedure_for(self, page: str) -> Procedure:
        """A fresh procedure for a calibration page ("eda", "eeg" or "hr")."""
        s, reg = self.settings, self.registry
        if page == "eda":
            return EdaCheck(lambda: reg.get(StreamKind.EDA), s.eda)
        if page == "eeg":
            return EegReactivity(lambda: reg.get(StreamKind.EEG), s.eeg)
        if page == "hr":
            return RestingHeart(reg.heart, s.heart)
        raise ValueError(f"no calibration on page {page!r}")

    def action(self, name: str, arg: str) -> None:
        """A technician button (``tech_start``, ``tech_cancel``, ``tech_save``, ``tech_apply``,
        ``tech_handoff``)."""
        page = self.model.tech_page
        if name == "tech_start" and page in PROCEDURE_PAGES:
            self.procedure = self.procedure_for(page)
            self.model.calibration, self.model.calibration_saved = self.procedure.view(), False
            self.model.calibration_apply = None
        elif name == "tech_cancel":
            self._stop()
        elif name == "tech_save":
            self._save()
        elif name == "tech_apply":
            self._apply()
        elif name == "tech_handoff":
            self._hand_over()

    def poll(self, now: float) -> None:
        """Pull the inlets, advance the calibration on screen, refresh the live rows (kiosk tick)."""
        self.registry.catalog.update()
        model = self.model
        if self.procedure is not None and self.procedure.name != model.tech_page:
            self._stop()  # the technician left the calibration's page
        if self.procedure is not None:
            self.procedure.poll(now)
            model.calibration = self.procedure.view()
            if model.calibration.result is not None and self._offered is not self.procedure:
                self._offered = self.procedure  # judged once per result
                model.calibration_apply = self._offer()
        if model.tech_page == "live" and now - self._last_live >= LIVE_EVERY_S:
            self._last_live = now
            model.live_rows = live_rows(self.registry)

    def leave(self) -> None:
        """Technician mode ended: drop the calibration and the live rows."""
        self._stop()
        self.model.live_rows = []

    def _stop(self) -> None:
        self.procedure = None
        self.model.calibration = None
        self.model.calibration_saved = False
        self.model.calibration_apply = None

    def _offer(self) -> ApplyOffer | None:
        """For a finished EDA check of a GSR device this station bridges: its corrected calibration."""
        result = self.procedure.result if self.procedure is not None else None
        if result is None or result.procedure != "eda" or self.bridges is None:
            return None
        gsr = [row.name for row in self.bridges.rows() if row.kind == "gsr"]
        device = bridge_for(result.device, gsr)
        if device is None:
            return None
        v = result.values
        try:
            calibration = correct_calibration(
                load_calibration(),
                v.get("zero_reading", float("nan")),
                v.get("reference_reading", float("nan")),
                v["expected_us"],
            )
        except ProfileRefused as refused:
            return ApplyOffer(device, None, refused.message)
        return ApplyOffer(device, calibration)

    def _save(self, offer: ApplyOffer | None = None) -> None:
        """Store the result; with an offer, apply its calibration to the device in the same step."""
        procedure = self.procedure
        if procedure is None or procedure.result is None or self.model.calibration_saved:
            return
        result = procedure.result
        notes = text(result.reason.key, "en", **result.reason.values)
        record = result.record(notes)
        profile = None
        if self.model.calibration_apply is not None:
            record["correction_applied"] = 1.0 if offer is not None else 0.0
        if offer is not None and offer.calibration is not None:
            c = offer.calibration
            record["notes"] += f" Applied to {offer.device}: zero {c.zero:.0f}, gain ×{offer.gain:.3f}."
            record.update(profile_zero=c.zero, profile_gain=offer.gain)
            profile = (offer.device, "gsr", asdict(c))
        uuid = self.store.add_calibration(self.technician, result.device, record, profile)
        self.saved.append(uuid)
        self.model.calibration_saved = True
        log.info("calibration %s stored: %s %s", uuid, result.procedure, "pass" if result.passed else "fail")

    def _apply(self) -> None:
        """Store the result with its correction and restart the device's bridge with it."""
        offer = self.model.calibration_apply
        if offer is None or offer.calibration is None or offer.applied or self.model.calibration_saved:
            return
        self._save(offer)
        self.model.calibration_apply = replace(offer, applied=True)
        if self.bridges is not None:
            self.bridges.apply_profile(offer.device)

    def _hand_over(self) -> None:
        """The officer whose code was typed continues in the normal flow with the resonance program."""
        model = self.model
        program = next((p for p in model.programs if p.id == self.settings.resonance_program), None)
        if program is None:
            model.notice = "tech_no_program"
            return
        try:
            code = model.check_code(model.code_entry)
        except InvalidOfficerCode:
            model.notice = "invalid_code"
            return
        self.leave()
        for event in (
            f.TechnicianExit(),
            f.Begin(),
            f.CheckedIn(code),
            f.ProgramChosen(program.id, program.baseline_s, program.session_s),
        ):
            self.feed(event)
