"""Technician calibration procedures over the SourceRegistry's inlets (pure logic, no display):
EDA zero/gain (eda_check.py), EEG eyes open/closed with IAF and alpha reactivity (eeg_reactivity.py),
resting heart rate (resting_hr.py), the shared step machine (procedure.py), an EDA check applied back
to a bridged GSR unit (eda_profile.py), and the kiosk's side of technician mode (technician_desk.py).
See docs/station.md, "Technician mode"."""
