"""[[devices]] in station.toml: parsed into DeviceConfig, documented in the default file, and every
bad entry refused with a ConfigError that names the entry and the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sensors.devices.device_kinds import DEVICES
from station.config import DEFAULT_FILE, DEVICE_KINDS, ConfigError, DeviceConfig, load_config, parse_devices


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "station.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_devices_are_read_in_order_with_autostart_on_by_default(tmp_path: Path) -> None:
    cfg = load_config(
        write(
            tmp_path,
            """
[station]
id = "room-1"

[[devices]]
name = "oximeter"
kind = "cms50d"
port = "/dev/serial/by-id/usb-Silicon_Labs_CP2102-if00-port0"

[[devices]]
name = "eeg.band_1"
kind = "thinkgear"
port = "auto"
autostart = false
""",
        )
    )
    assert cfg.station_id == "room-1"
    assert cfg.devices == (
        DeviceConfig("oximeter", "cms50d", "/dev/serial/by-id/usb-Silicon_Labs_CP2102-if00-port0", True),
        DeviceConfig("eeg.band_1", "thinkgear", "auto", False),
    )


def test_no_devices_by_default(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "")).devices == ()


def test_the_kinds_are_the_bridgeable_devices_and_the_default_file_documents_every_key() -> None:
    assert set(DEVICE_KINDS) == set(DEVICES)
    documented = DEFAULT_FILE.read_text(encoding="utf-8")
    assert "# [[devices]]" in documented
    for key in ("name", "kind", "port", "autostart"):
        assert f"\n# {key} = " in documented, key
    for kind in DEVICE_KINDS:
        assert f'"{kind}"' in documented, kind


ENTRY = '[[devices]]\nname = "ox"\nkind = "cms50d"\nport = "/dev/ttyUSB0"\n'


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('devices = "ox"\n', r"devices must be an array of tables, written \[\[devices\]\]"),
        ("devices = [1, 2]\n", "devices must be an array of tables"),
        (ENTRY + 'prot = "x"\n', r"\[\[devices\]\] entry 1: unknown key 'prot' \(known: name, kind, port"),
        ('[[devices]]\nname = "ox"\nport = "auto"\n', r"entry 1: missing key 'kind'"),
        ('[[devices]]\nname = 3\nkind = "gsr"\nport = "auto"\n', "entry 1: name must be a string, got 3"),
        (ENTRY.replace('"ox"', '"my oximeter"'), "name 'my oximeter' must be 1 to 16 letters"),
        (ENTRY.replace('"ox"', '"a-very-long-device-name"'), "must be 1 to 16 letters"),
        (ENTRY.replace('"ox"', '"-ox"'), "starting with a letter or digit"),
        (
            ENTRY.replace("cms50d", "muse"),
            r"\(ox\): kind must be one of cms50d, cms50d-v7, thinkgear, cyton, gsr, got 'muse'",
        ),
        (ENTRY.replace('"/dev/ttyUSB0"', '" "'), r'port must be a device path or "auto"'),
        (ENTRY + 'autostart = "yes"\n', "autostart must be true or false, got 'yes'"),
        (ENTRY + ENTRY.replace("ttyUSB0", "ttyUSB1"), r"\[\[devices\]\] name 'ox' is used twice"),
        (ENTRY + ENTRY.replace('"ox"', '"ox2"'), "'ox' and 'ox2' both use port /dev/ttyUSB0"),
        (
            "".join(ENTRY.replace('"ox"', f'"d{i}"').replace("USB0", f"USB{i}") for i in range(7)),
            r"at most 6 \[\[devices\]\] entries, got 7",
        ),
    ],
)
def test_bad_devices_are_refused_with_a_reason(tmp_path: Path, text: str, reason: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError, match=reason) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert "\n" not in str(caught.value)


def test_two_auto_ports_are_allowed() -> None:
    entries = [{"name": "a", "kind": "gsr", "port": "auto"}, {"name": "b", "kind": "cyton", "port": "auto"}]
    assert [d.port for d in parse_devices(entries)] == ["auto", "auto"]


toml_values = st.recursive(
    st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
entry_like = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(st.sampled_from(["ox", "eeg", "a b", ""]), toml_values),
        "kind": st.one_of(st.sampled_from(DEVICE_KINDS), toml_values),
        "port": st.one_of(st.sampled_from(["auto", "/dev/ttyUSB0", ""]), toml_values),
        "autostart": toml_values,
        "extra": toml_values,
    },
)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.one_of(toml_values, st.lists(entry_like, max_size=8)))
def test_any_devices_value_gives_devices_or_a_config_error(value: object) -> None:
    try:
        devices = parse_devices(value)
    except ConfigError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert len(devices) <= 6
    assert len({d.name for d in devices}) == len(devices)
    assert all(d.kind in DEVICE_KINDS and isinstance(d.autostart, bool) for d in devices)
