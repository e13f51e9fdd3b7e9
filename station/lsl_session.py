"""Run a process in a private LSL session, so simulated streams never mix with a room's sensors."""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from pathlib import Path


def isolate_lsl(label: str) -> str:
    """Point liblsl at a config with a fresh SessionID (machine-local resolution).

    Must run before pylsl is first imported in this process; returns the SessionID. Child processes
    inherit it through LSLAPICFG.
    """
    if "pylsl" in sys.modules:
        raise RuntimeError("isolate_lsl() must be called before pylsl is imported")
    session = f"{label}-{uuid.uuid4().hex[:10]}"
    folder = Path(tempfile.mkdtemp(prefix="oasis-lsl-"))
    config = folder / "lsl_api.cfg"
    config.write_text(
        f"[lab]\nSessionID = {session}\n\n[multicast]\nResolveScope = machine\n\n[log]\nlevel = -2\n"
    )
    os.environ["LSLAPICFG"] = str(config)
    return session
