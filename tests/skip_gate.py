"""The skip gate: a pytest plugin (loaded by tests/conftest.py) that fails the run when a test is
skipped for a reason not on the allow-list in tests/allowed_skips.toml, and, with ``--min-passed N``
(used by `make test-xr`), accepts no skip at all and fails when fewer than N tests passed.

``OASIS_ALLOW_SKIPS=1`` turns the gate off for a developer's machine that lacks a part; CI never
sets it."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

ALLOW_LIST = Path(__file__).resolve().parent / "allowed_skips.toml"


def allowed_reasons(path: Path = ALLOW_LIST) -> set[str]:
    """The skip reasons the allow-list accepts."""
    with path.open("rb") as f:
        return {entry["reason"] for entry in tomllib.load(f).get("allowed", [])}


def skip_reason(report: pytest.TestReport) -> str:
    """The reason given to ``pytest.skip``/``skipif`` for a skipped report."""
    longrepr = report.longrepr
    message = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return message.removeprefix("Skipped: ")


class SkipGate:
    """Counts passed tests and skips by reason; decides the run's exit status at its end."""

    def __init__(self, allowed: set[str], min_passed: int | None) -> None:
        self.allowed = set() if min_passed is not None else allowed
        self.min_passed = min_passed
        self.passed = 0
        self.unexpected: dict[str, list[str]] = {}

    @pytest.hookimpl
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.passed and report.when == "call":
            self.passed += 1
        elif report.skipped and not hasattr(report, "wasxfail"):
            reason = skip_reason(report)
            if reason not in self.allowed:
                self.unexpected.setdefault(reason, []).append(report.nodeid)

    def problems(self) -> list[str]:
        """Why the run must fail (empty when the gate is satisfied)."""
        found = [
            f"{len(ids)} skipped ({reason}): {', '.join(ids[:3])}" for reason, ids in self.unexpected.items()
        ]
        if self.min_passed is not None and self.passed < self.min_passed:
            found.append(f"only {self.passed} tests passed, at least {self.min_passed} expected")
        return found

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self.problems() and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    @pytest.hookimpl
    def pytest_terminal_summary(self, terminalreporter) -> None:  # type: ignore[no-untyped-def]
        problems = self.problems()
        if problems:
            terminalreporter.section("skip gate: this run fails", red=True)
            for line in problems:
                terminalreporter.line(line, red=True)
            terminalreporter.line(f"allowed skips are listed in {ALLOW_LIST.name}; see tests/skip_gate.py")


def install(config: pytest.Config) -> None:
    """Register the gate unless OASIS_ALLOW_SKIPS=1."""
    if os.environ.get("OASIS_ALLOW_SKIPS") == "1":
        return
    gate = SkipGate(allowed_reasons(), config.getoption("min_passed"))
    config.pluginmanager.register(gate, "oasis-skip-gate")
