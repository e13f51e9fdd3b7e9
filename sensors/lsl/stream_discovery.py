"""Find LSL streams by type, name or source_id, and describe them as plain data."""

from __future__ import annotations

from dataclasses import dataclass

import pylsl

NUMERIC_FORMATS = {"float32", "double64", "int8", "int16", "int32", "int64"}
FORMAT_NAMES = {
    pylsl.cf_float32: "float32",
    pylsl.cf_double64: "double64",
    pylsl.cf_string: "string",
    pylsl.cf_int32: "int32",
    pylsl.cf_int16: "int16",
    pylsl.cf_int8: "int8",
    pylsl.cf_int64: "int64",
}


@dataclass(frozen=True)
class StreamDescription:
    """What a stream says about itself (its StreamInfo header), as plain data."""

    name: str
    type: str
    channel_count: int
    nominal_srate: float
    channel_format: str
    source_id: str
    hostname: str
    uid: str
    created_at: float
    labels: tuple[str, ...]
    units: tuple[str, ...]
    manufacturer: str

    @property
    def is_numeric(self) -> bool:
        return self.channel_format in NUMERIC_FORMATS

    @property
    def key(self) -> str:
        """Identity that survives a restart of the source: source_id, else name@host/type."""
        return self.source_id or f"{self.name}@{self.hostname}/{self.type}"


def describe(info: pylsl.StreamInfo) -> StreamDescription:
    """Turn a pylsl StreamInfo (resolved or full) into a StreamDescription."""
    count = info.channel_count()
    labels = _channel_field(info, "label", count)
    units = _channel_field(info, "unit", count)
    manufacturer = info.desc().child_value("manufacturer") or ""
    return StreamDescription(
        name=info.name(),
        type=info.type(),
        channel_count=count,
        nominal_srate=float(info.nominal_srate()),
        channel_format=FORMAT_NAMES.get(info.channel_format(), "undefined"),
        source_id=info.source_id(),
        hostname=info.hostname(),
        uid=info.uid(),
        created_at=float(info.created_at()),
        labels=labels,
        units=units,
        manufacturer=manufacturer,
    )


def _channel_field(info: pylsl.StreamInfo, field: str, count: int) -> tuple[str, ...]:
    """Per-channel values of desc/channels/channel/<field>, '' where absent (XDF meta-data layout)."""
    values: list[str] = []
    channel = info.desc().child("channels").child("channel")
    while not channel.empty() and len(values) < count:
        values.append(channel.child_value(field) or "")
        channel = channel.next_sibling("channel")
    values += [""] * (count - len(values))
    return tuple(values)


def _predicate(stream_type: str | None, name: str | None, source_id: str | None) -> str:
    def quote(value: str) -> str:
        if "'" in value:
            raise ValueError(f"stream property values may not contain a quote: {value!r}")
        return f"'{value}'"

    parts = []
    if stream_type:
        parts.append(f"type={quote(stream_type)}")
    if name:
        parts.append(f"name={quote(name)}")
    if source_id:
        parts.append(f"source_id={quote(source_id)}")
    return " and ".join(parts)


def find_infos(
    stream_type: str | None = None,
    name: str | None = None,
    source_id: str | None = None,
    timeout: float = 2.0,
    minimum: int = 0,
) -> list[pylsl.StreamInfo]:
    """Resolve streams matching every given property within ``timeout`` seconds.

    Waits the whole timeout unless ``minimum`` matches arrive earlier (0: collect for the whole
    timeout, which finds every matching stream).
    """
    predicate = _predicate(stream_type, name, source_id)
    if not predicate:
        return list(pylsl.resolve_streams(wait_time=timeout))
    return list(pylsl.resolve_bypred(predicate, minimum=minimum, timeout=timeout))


def find_streams(
    stream_type: str | None = None,
    name: str | None = None,
    source_id: str | None = None,
    timeout: float = 2.0,
    minimum: int = 0,
) -> list[StreamDescription]:
    """Like :func:`find_infos`, returning plain descriptions (desc channel labels need the full
    info, which :class:`sensors.lsl.inlet.Inlet` fetches when it connects)."""
    return [describe(i) for i in find_infos(stream_type, name, source_id, timeout, minimum)]
