"""A room's load on the LSL port range, for tests/station/test_station_default_lsl_soak.py.

Run as ``python -m tests.lsl_port_budget RESOLVERS OUTLETS OUT.json`` (in a private network
namespace, under whichever liblsl configuration the environment names): starts RESOLVERS continuous
resolvers (the station's catalog, its session's phase markers, a lost sensor's recovery, a
technician's stream browser), then OUTLETS outlets (sensor streams and the session's outlets), and
writes the UDP service ports the outlets bound (IPv4 and IPv6, from liblsl's own stream info) and
how many of the outlets a resolve finds."""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path

import pylsl

from tests.station_growth import bound_ports

DATA_PORTS = range(16572, 16572 + 128)  # liblsl's default data ports and the station's wider range


def service_ports(outlet: pylsl.StreamOutlet) -> list[int]:
    """The outlet's UDP service ports (IPv4, IPv6) as liblsl reports them in its stream info."""
    xml = outlet.get_info().as_xml()
    return [int(p) for p in re.findall(r"<v[46]service_port>(\d+)</v[46]service_port>", xml)]


def main(argv: list[str]) -> int:
    resolvers, outlets, out = int(argv[0]), int(argv[1]), Path(argv[2])
    held = [pylsl.ContinuousResolver(forget_after=3.0) for _ in range(resolvers)]
    deadline = time.monotonic() + 60.0
    while len([e for e in bound_ports(DATA_PORTS) if e.startswith("udp")]) < 4 * resolvers:
        if time.monotonic() > deadline:  # each holds at least two IPv4/IPv6 pairs once it runs
            raise RuntimeError("the resolvers did not start")
        time.sleep(0.1)
    made = [
        pylsl.StreamOutlet(pylsl.StreamInfo(f"budget-{i}", "EEG", 1, 10.0, "float32", f"budget-{i}"))
        for i in range(outlets)
    ]
    ports = [port for outlet in made for port in service_ports(outlet)]
    found = {info.source_id() for info in pylsl.resolve_streams(wait_time=2.0)}
    result = {
        "udp_ports": ports,
        "found": sum(f"budget-{i}" in found for i in range(outlets)),
        "resolvers": len(held),
    }
    out.write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
