"""The station's checks of the admin's remote configuration: the same checks as station.toml, the
protocol loader on pushed files, programs against the station's library, quiet hours, and what the
station store keeps (store migration 8)."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from protocols.loader import find_protocol
from station.config import ConfigError, load_config
from station.kiosk.remote_control import RemoteRefusal, in_quiet_hours, resolve
from station.store import SessionStore
from station.store.remote_config_store import RemoteConfigStore
from wire import v1 as wire_v1

LIBRARY = [find_protocol("quick-reset"), find_protocol("coherent-breathing")]


def config(tmp_path: Path) -> Path:
    path = tmp_path / "station.toml"
    path.write_text(f'[station]\nlanguage = "en"\n[storage]\ndata_dir = "{tmp_path}"\n', encoding="utf-8")
    return path


def remote(version: int, protocols: list[wire_v1.ProtocolFile] | None = None, **settings: object):  # type: ignore[no-untyped-def]
    names = {k.replace("__", "."): v for k, v in settings.items()}
    return wire_v1.StationConfiguration.model_validate(
        {
            "version": version,
            "settings": names,
            "sources": dict.fromkeys(names, "room"),
            "protocols": protocols or [],
        }
    )


def test_admin_settings_go_over_the_file_and_say_where_each_came_from(tmp_path: Path) -> None:
    base = load_config(config(tmp_path))
    cfg, offered = resolve(
        base,
        remote(
            1,
            station__language="zh-CN",
            kiosk__programs=["coherent-breathing"],
            kiosk__quiet_hours="22:00-07:00",
        ),
        LIBRARY,
    )
    assert (cfg.language, cfg.quiet_hours, [p.id for p in offered]) == (
        "zh-CN",
        "22:00-07:00",
        ["coherent-breathing"],
    )
    assert cfg.sources["station.language"] == "room"
    assert cfg.sources["storage.data_dir"] == "station.toml"
    assert cfg.sources["scene.name"] == "default"
    assert [p.id for p in resolve(base, remote(2), LIBRARY)[1]] == ["quick-reset", "coherent-breathing"]


@pytest.mark.parametrize(
    ("settings", "reason"),
    [
        ({"station__language": "fr"}, "station.language must be one of zh-CN, en"),
        ({"storage__retention_days": "ninety"}, "storage.retention_days must be int"),
        ({"scene__name": "desert"}, "scene.name must be one of"),
        ({"kiosk__quiet_hours": "25:00-07:00"}, "kiosk.quiet_hours must be"),
        ({"kiosk__programs": ["quick-reset", "quick-reset"]}, "names a program twice"),
        ({"kiosk__programs": ["no-such-program"]}, "no protocol no-such-program"),
        ({"admin__url": "http://elsewhere"}, "admin.url cannot be set remotely"),
    ],
)
def test_a_broken_setting_is_refused_with_its_reason(tmp_path: Path, settings: dict, reason: str) -> None:
    with pytest.raises(RemoteRefusal, match=reason.replace(".", r"\.")):
        resolve(load_config(config(tmp_path)), remote(1, **settings), LIBRARY)


def test_pushed_protocol_files_are_checked_again_on_the_station(tmp_path: Path) -> None:
    base = load_config(config(tmp_path))
    broken = wire_v1.ProtocolFile(name="calm", toml='id = "calm"\nduration_s = -1\n')
    with pytest.raises(RemoteRefusal, match="calm"):
        resolve(base, remote(1, [broken]), LIBRARY)
    text = Path("protocols/library/quick-reset.toml").read_text(encoding="utf-8")
    good = wire_v1.ProtocolFile(name="calm", toml=text.replace('id = "quick-reset"', 'id = "calm"', 1))
    _, offered = resolve(base, remote(2, [good], kiosk__programs=["calm", "quick-reset"]), LIBRARY)
    assert [p.id for p in offered] == ["calm", "quick-reset"]


def test_quiet_hours_may_span_midnight() -> None:
    assert in_quiet_hours("22:00-07:00", time(23, 30)) and in_quiet_hours("22:00-07:00", time(6, 59))
    assert not in_quiet_hours("22:00-07:00", time(7, 0)) and not in_quiet_hours("22:00-07:00", time(12))
    assert in_quiet_hours("12:00-13:30", time(12, 0)) and not in_quiet_hours("12:00-13:30", time(13, 30))
    assert not in_quiet_hours("", time(3))


def test_station_toml_takes_the_new_keys_with_the_same_checks(tmp_path: Path) -> None:
    path = config(tmp_path)
    path.write_text(path.read_text() + '[kiosk]\nprograms = ["quick-reset"]\nquiet_hours = "12:00-13:00"\n')
    cfg = load_config(path)
    assert cfg.programs == ("quick-reset",) and cfg.sources["kiosk.programs"] == "station.toml"
    path.write_text(path.read_text().replace('"12:00-13:00"', '"noon"'))
    with pytest.raises(ConfigError, match="quiet_hours"):
        load_config(path)


def test_the_store_keeps_the_last_good_version_and_the_newest_refusal(tmp_path: Path) -> None:
    SessionStore(tmp_path / "sessions.db", "s1").close()  # runs the migrations (8: remote_configs)
    store = RemoteConfigStore(tmp_path / "sessions.db")
    try:
        assert store.last_good() is None and store.outcome().applied == 0
        store.record(remote(3, station__language="en"))
        store.record(remote(4, station__language="fr"), refusal="station.language must be one of zh-CN, en")
        assert store.last_good() == remote(3, station__language="en")
        outcome = store.outcome()
        assert (outcome.applied, outcome.refused) == (3, 4) and "zh-CN" in (outcome.reason or "")
        store.record(remote(5))
        assert store.outcome().refused is None and store.known(4) and not store.known(6)
        store.put("maintenance", "on")
        assert store.get("maintenance") == "on" and store.get("last_action", "0") == "0"
    finally:
        store.close()
