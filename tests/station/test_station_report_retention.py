"""Issue 16, item 10: drawn session reports under ``<data_dir>/reports/`` follow the station's
retention like raw recordings do (file times are set explicitly: no wall-clock dependence)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from station.recording.retention import purge_reports

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def _report(directory: Path, name: str, age_days: float) -> Path:
    path = directory / name
    path.write_bytes(b"\x89PNG\r\n\x1a\n")
    stamp = (NOW - timedelta(days=age_days)).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def test_reports_older_than_the_retention_are_deleted_and_nothing_else(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    old_png = _report(reports, "a.png", 31)
    old_pdf = _report(reports, "b.PDF", 400)
    young = _report(reports, "c.png", 29)
    other = _report(reports, "notes.txt", 400)
    (reports / "sub.png").mkdir()
    assert purge_reports(reports, 30, NOW) == [old_png, old_pdf]
    assert sorted(p.name for p in reports.iterdir()) == ["c.png", "notes.txt", "sub.png"]
    assert young.exists() and other.exists()
    assert purge_reports(reports, 30, NOW) == []


def test_a_missing_reports_folder_and_a_bad_period(tmp_path: Path) -> None:
    assert purge_reports(tmp_path / "never-made", 30, NOW) == []
    with pytest.raises(ValueError, match="0 or more"):
        purge_reports(tmp_path, -1, NOW)


def test_the_kiosk_purges_old_reports_when_it_starts(tmp_path: Path) -> None:
    from protocols.loader import find_protocol
    from station.commands.kiosk_process import KioskProcess
    from station.config import load_config
    from station.kiosk.controller import SceneSettings

    config = tmp_path / "station.toml"
    config.write_text(
        f'[station]\nid = "room-r"\n[storage]\ndata_dir = "{tmp_path}"\nretention_days = 30\n'
        "[admin]\ndiscover = false\n",
        encoding="utf-8",
    )
    cfg = load_config(config)
    cfg.reports_dir.mkdir(parents=True)
    stale = cfg.reports_dir / "old.png"
    stale.write_bytes(b"\x89PNG\r\n\x1a\n")
    os.utime(stale, (0, 0))  # written in 1970: far beyond any retention
    fresh = cfg.reports_dir / "new.png"
    fresh.write_bytes(b"\x89PNG\r\n\x1a\n")
    process = KioskProcess(cfg, [find_protocol("quick-reset")], SceneSettings())
    try:
        assert process.purged == 1 and not stale.exists() and fresh.exists()
    finally:
        process.close()
