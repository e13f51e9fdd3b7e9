"""The skip gate (tests/skip_gate.py) in a real pytest run of its own (pytester, a session of its own):
an unlisted skip fails the run, a listed one does not, and ``--min-passed`` fails a run that tested
too little or skipped anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.skip_gate import ALLOW_LIST, allowed_reasons

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[1]
LISTED = "needs the Monado OpenXR runtime: run `make test-xr`"
CONFTEST = f"""
import sys
sys.path.insert(0, {str(REPO)!r})
from tests import skip_gate

def pytest_addoption(parser):
    parser.addoption("--min-passed", type=int, default=None)

def pytest_configure(config):
    skip_gate.install(config)
"""


@pytest.fixture
def run(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    monkeypatch.delenv("OASIS_ALLOW_SKIPS", raising=False)
    pytester.makeconftest(CONFTEST)

    def run_tests(source: str, *args: str) -> pytest.RunResult:
        pytester.makepyfile(test_sample=source)
        return pytester.runpytest_inprocess("-p", "no:cacheprovider", *args)

    return run_tests


def test_the_allow_list_names_the_xr_skip_only() -> None:
    assert allowed_reasons(ALLOW_LIST) == {LISTED}


def test_an_unlisted_skip_fails_the_run(run) -> None:  # type: ignore[no-untyped-def]
    result = run("import pytest\ndef test_a(): pytest.skip('chromium missing')\ndef test_b(): pass\n")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=1, skipped=1)
    result.stdout.fnmatch_lines(["*skip gate: this run fails*", "1 skipped (chromium missing): *test_a*"])


def test_a_listed_skip_passes(run) -> None:  # type: ignore[no-untyped-def]
    result = run(f"import pytest\ndef test_a(): pytest.skip({LISTED!r})\ndef test_b(): pass\n")
    assert result.ret == pytest.ExitCode.OK
    result.assert_outcomes(passed=1, skipped=1)


def test_min_passed_fails_a_run_that_tested_too_little(run) -> None:  # type: ignore[no-untyped-def]
    result = run(
        f"import pytest\ndef test_a(): pytest.skip({LISTED!r})\ndef test_b(): pass\n", "--min-passed", "2"
    )
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*only 1 tests passed, at least 2 expected*"])
    assert "1 skipped (needs the Monado" in result.stdout.str()  # no skip is listed for an XR run


def test_min_passed_accepts_a_full_run(run) -> None:  # type: ignore[no-untyped-def]
    result = run("def test_a(): pass\ndef test_b(): pass\n", "--min-passed", "2")
    assert result.ret == pytest.ExitCode.OK


def test_a_failing_test_keeps_its_own_exit_status(run) -> None:  # type: ignore[no-untyped-def]
    result = run("import pytest\ndef test_a(): pytest.skip('gone')\ndef test_b(): assert False\n")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(failed=1, skipped=1)
