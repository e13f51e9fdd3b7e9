"""Offline analysis of recorded files with the same feature code the real-time pipeline uses."""
