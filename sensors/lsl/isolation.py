"""Run a process in a private LSL session, so simulated streams never mix with a room's sensors.

A private session needs its own SessionID *and* its own ports. With machine-local resolution liblsl
sends discovery queries by unicast to 127.0.0.1:<MulticastPort>; every LSL process on the machine
binds that port, and Linux hands each unicast datagram to only one of those sockets, so with the
default port another program's process can swallow our queries (streams then go missing). A random
port range per session avoids that, and it is wide (see PORT_RANGE).
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import uuid
from pathlib import Path

# liblsl binds each outlet's and inlet's sockets inside [BasePort, BasePort + PortRange) and only falls
# back to a random port, which resolvers scanning the range do not reach, when the range is full.
# liblsl's default range (32) is sized for a lab; a test run or a demo opens and closes hundreds of
# streams in one session (its subprocesses share the range), so a private session gets a wide one,
# below Linux's ephemeral ports (32768+).
PORT_LOW, PORT_HIGH, PORT_RANGE = 20000, 32000, 512


def lsl_config_text(session: str, port: int) -> str:
    """The liblsl config for a private session on ``port`` (data ports follow it)."""
    return (
        f"[lab]\nSessionID = {session}\n\n"
        f"[ports]\nMulticastPort = {port}\nBasePort = {port + 1}\nPortRange = {PORT_RANGE}\n\n"
        "[multicast]\nResolveScope = machine\n\n"
        "[log]\nlevel = -2\n"
    )


SLOT_VARIABLE = "OASIS_LSL_SLOT"
SLOTS = len(range(PORT_LOW, PORT_HIGH, PORT_RANGE + 1))


def isolate_lsl(label: str, slot: int | None = None) -> str:
    """Point liblsl at a config with a fresh SessionID and port range (machine-local resolution).

    ``slot`` picks the port range (modulo the number of ranges) so that processes started together
    (parallel test workers) get different ranges; by default it is $OASIS_LSL_SLOT when set (a parent
    that isolates itself reserves one for the private sessions its children start), else random. Must
    run before pylsl is first imported in this process; returns the SessionID. Child processes inherit
    it through LSLAPICFG.
    """
    if "pylsl" in sys.modules:
        raise RuntimeError("isolate_lsl() must be called before pylsl is imported")
    session = f"{label}-{uuid.uuid4().hex[:10]}"
    if slot is None and os.environ.get(SLOT_VARIABLE, "").isdigit():
        slot = int(os.environ[SLOT_VARIABLE])
    index = random.randrange(SLOTS) if slot is None else slot % SLOTS
    port = PORT_LOW + index * (PORT_RANGE + 1)
    folder = Path(tempfile.mkdtemp(prefix="oasis-lsl-"))
    config = folder / "lsl_api.cfg"
    config.write_text(lsl_config_text(session, port))
    os.environ["LSLAPICFG"] = str(config)
    return session
