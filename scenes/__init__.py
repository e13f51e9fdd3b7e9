"""Procedural calming scenes, driven only by scene-parameter snapshots, rendered to OpenXR, a
window or headless EGL."""
