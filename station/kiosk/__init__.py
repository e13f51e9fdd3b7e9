"""The kiosk UI on the station monitor: pure layout per screen, a small UI model that turns taps
into flow events, and a pyglet renderer (window or headless EGL)."""
