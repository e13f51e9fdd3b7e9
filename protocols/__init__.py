"""Relaxation protocols: declarative TOML programs and a deterministic engine that turns feature
snapshots into scene parameters and events."""
