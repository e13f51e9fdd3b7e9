"""The real-time feature pipeline: a compute core over plain arrays and its LSL runner."""
