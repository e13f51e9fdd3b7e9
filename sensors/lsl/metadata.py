"""Stream meta-data in the layout the XDF meta-data conventions suggest (desc/channels/channel/…)."""

from __future__ import annotations

from collections.abc import Sequence

import pylsl


def describe_channels(
    info: pylsl.StreamInfo,
    labels: Sequence[str],
    units: Sequence[str],
    types: Sequence[str] | str,
    manufacturer: str | None = None,
    descriptions: Sequence[str] | None = None,
) -> pylsl.StreamInfo:
    """Write channel labels, units and types (and optional descriptions) into ``info``'s desc."""
    desc = info.desc()
    if manufacturer:
        desc.append_child_value("manufacturer", manufacturer)
    channels = desc.append_child("channels")
    kinds = [types] * len(labels) if isinstance(types, str) else list(types)
    for i, (label, unit, kind) in enumerate(zip(labels, units, kinds, strict=True)):
        channel = channels.append_child("channel")
        channel.append_child_value("label", label)
        channel.append_child_value("unit", unit)
        channel.append_child_value("type", kind)
        if descriptions is not None:
            channel.append_child_value("description", descriptions[i])
    return info
