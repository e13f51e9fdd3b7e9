"""Physiological features: pure functions over numpy arrays plus streaming extractors."""
