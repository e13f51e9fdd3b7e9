"""Everything from a device to a clean, timestamped measure: LSL acquisition, serial bridges,
simulators, signal quality and physiological features."""
