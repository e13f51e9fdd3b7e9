"""Session recording: an XDF writer (LabRecorder-compatible, crash-tolerant), an LSL recorder,
the Markers outlet, and retention of raw recordings."""
