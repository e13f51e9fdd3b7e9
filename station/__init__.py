"""The kiosk process: state machine, kiosk UI, runtime wiring, session store, recorder, sync."""
