"""LSL checks for the station-bridge tests: a stream's presence by resolution (retried by the
caller), its end by a non-recovering inlet (resolution alone can miss a live stream on a busy machine,
so "not resolved" would prove nothing)."""

from __future__ import annotations

import pylsl
from pylsl.util import LostError


def found(name: str) -> bool:
    """True once the stream named ``name`` answers a resolve (poll it with wait_for). The resolve
    returns as soon as the stream answers; its timeout must outlast liblsl's first query waves:
    repeated 0.5-s resolves missed a live outlet for up to 15 s here, 3-s ones found it in 0.5 s."""
    return bool(pylsl.resolve_byprop("name", name, timeout=3.0))


class Watch:
    """An inlet on the live stream ``name`` that does not recover: ``ended()`` is True once its
    outlet is gone."""

    def __init__(self, name: str, timeout: float = 20.0) -> None:
        infos = pylsl.resolve_byprop("name", name, timeout=timeout)
        assert infos, f"LSL stream {name} not found"
        self.inlet = pylsl.StreamInlet(infos[0], recover=False)
        self.inlet.open_stream(timeout=timeout)

    def ended(self) -> bool:
        try:
            self.inlet.pull_chunk(timeout=0.1)
        except LostError:
            return True
        return False
