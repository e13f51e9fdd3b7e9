"""LSL acquisition: discovery, ring-buffered inlets with clock correction, gap/stall detection and
reconnection, and a registry that answers "the ECG", "the EEG"… from whatever is on the network."""
