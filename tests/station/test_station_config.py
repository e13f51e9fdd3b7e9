"""station.toml: defaults on a bare machine, overrides, clear errors for bad values, PIN hashing."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from station.config import DEFAULT_FILE, ConfigError, hash_pin, load_config, verify_pin
from station.kiosk.flow import FlowTimeouts


def test_defaults_work_without_any_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("OASIS_STATION_CONFIG", raising=False)
    monkeypatch.setenv("OASIS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr("station.config.SYSTEM_FILE", tmp_path / "absent.toml")
    cfg = load_config()
    assert cfg.source is None
    assert cfg.language == "zh-CN" and cfg.station_id.startswith("station-")
    assert cfg.data_dir == tmp_path / "data" and cfg.database == tmp_path / "data" / "sessions.db"
    assert cfg.retention_days == 90 and cfg.pin_hash == "" and cfg.admin_discover
    assert cfg.timeouts == FlowTimeouts()  # the documented file and the flow agree


def test_the_documented_default_file_covers_every_key() -> None:
    from station.config import SCHEMA

    documented = tomllib.loads(DEFAULT_FILE.read_text())
    assert {t: set(keys) for t, keys in documented.items()} == {t: set(k) for t, k in SCHEMA.items()}


def test_overrides(tmp_path: Path) -> None:
    path = tmp_path / "station.toml"
    pin = hash_pin("2468")
    path.write_text(
        '[station]\nid = "court-3-room-1"\nlanguage = "en"\n'
        f'[storage]\ndata_dir = "{tmp_path}/d"\nretention_days = 30\n'
        '[admin]\nurl = "https://admin.example/"\n'
        f'[technician]\npin_hash = "{pin}"\n'
        "[kiosk]\nheadset_grace_s = 4.5\npause_limit_s = 60\n"
    )
    cfg = load_config(path)
    assert (cfg.station_id, cfg.language, cfg.retention_days) == ("court-3-room-1", "en", 30)
    assert cfg.admin_url == "https://admin.example" and cfg.data_dir == tmp_path / "d"
    assert cfg.timeouts.headset_grace_s == 4.5 and cfg.timeouts.pause_limit_s == 60
    assert verify_pin(cfg.pin_hash, "2468") and not verify_pin(cfg.pin_hash, "1357")


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[station]\nlanguage = 'fr'\n", "station.language must be one of"),
        ("[station]\nnmae = 'x'\n", "unknown key station.nmae"),
        ("[stations]\n", "unknown table"),
        ("[storage]\nretention_days = 'ninety'\n", "storage.retention_days must be int"),
        ("[storage]\nretention_days = -1\n", "retention_days must be 0 or more"),
        ("[kiosk]\nheadset_grace_s = 0\n", "kiosk.headset_grace_s must be positive"),
        ("[kiosk]\nheadset_grace_s = true\n", "must be float"),
        ("[admin]\nurl = 'admin.example'\n", "admin.url must start with http"),
        ("[technician]\npin_hash = '1234'\n", "must be an argon2 hash"),
        ("[station\n", "is not valid TOML"),
        ("[kiosk]\nheadset_grace_s = nan\n", "kiosk.headset_grace_s must be positive, at most 86400 s"),
        ("[kiosk]\npause_limit_s = 1e308\n", "kiosk.pause_limit_s must be positive"),
        ("x = " + "[" * 5000 + "]" * 5000, "nested too deeply"),
        ("[storage]\nretention_days = " + "9" * 5000 + "\n", "is not valid TOML: Exceeds the limit"),
    ],
)
def test_bad_config_is_refused_with_a_reason(tmp_path: Path, text: str, reason: str) -> None:
    path = tmp_path / "station.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=reason):
        load_config(path)


def test_missing_file_and_pin_rules(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="4 to 12 digits"):
        hash_pin("12")
    assert not verify_pin("", "1234")  # no hash: technician mode disabled
    assert not verify_pin("$argon2id$garbage", "1234")


def test_hostile_config_files_are_refused_with_one_line(tmp_path: Path) -> None:
    """Issue 16: /dev/zero is not read forever, bytes that are not UTF-8 are a reason, a BOM is fine."""
    with pytest.raises(ConfigError, match=r"^/dev/zero is larger than 1048576 bytes$"):
        load_config("/dev/zero")
    latin = tmp_path / "latin1.toml"
    latin.write_bytes(b"[station]\nname = '\xe9'\n")
    with pytest.raises(ConfigError, match=r"is not UTF-8 text: invalid continuation byte at byte 18$"):
        load_config(latin)
    bom = tmp_path / "bom.toml"
    bom.write_bytes(b"\xef\xbb\xbf[station]\nid = 'court-7'\n")
    assert load_config(bom).station_id == "court-7"
