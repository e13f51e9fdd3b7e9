"""One officer session: the runtime (pipeline → engine → scene), its summary, report and recovery."""
