"""Technician calibration procedures over the SourceRegistry's inlets (pure logic, no display):
EDA zero/gain (eda.py), EEG eyes open/closed with IAF and alpha reactivity (eeg.py), resting heart
rate (cardiac.py), the shared step machine (procedure.py), and the kiosk's side of technician mode
(runner.py). See docs/kiosk.md, "Technician mode"."""
