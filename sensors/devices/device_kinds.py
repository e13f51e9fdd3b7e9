"""The device kinds Oasis can bridge, by name (the ``DEVICE`` argument of ``oasis bridge``)."""

from __future__ import annotations

from sensors.devices import cms50d, cms50d_v7, cyton, gsr, thinkgear
from sensors.devices.device_interfaces import DeviceSpec

DEVICES: dict[str, DeviceSpec] = {
    spec.name: spec for spec in (cyton.SPEC, thinkgear.SPEC, cms50d.SPEC, gsr.SPEC, cms50d_v7.SPEC)
}


def get(name: str) -> DeviceSpec:
    """The spec named ``name``; a KeyError that lists the known names otherwise."""
    try:
        return DEVICES[name]
    except KeyError:
        raise KeyError(f"unknown device {name!r}; known: {', '.join(DEVICES)}") from None
