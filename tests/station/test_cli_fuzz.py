"""Every `oasis` command, fed hostile arguments and files, answers with a status of 0, 1 or 2 and no
traceback, inside a bounded address space (issue 16).

The commands come from station/cli.py's dispatch table and their arguments from their own argparse
parsers, so a new command or option is fuzzed without touching this file. Each example runs in a
forked child (fast: the parent has imported the heavy libraries once) with RLIMIT_AS capped at
``MEMORY_HEADROOM`` above what it inherited, in its own process group, in a scratch folder, with
HOME, XDG and OASIS_* pointing there. A command that is still running after ``RUN_S`` gets Ctrl+C
(SIGINT to its group, as a terminal sends it) and must then stop with status 130; one that ignores
it for ``STOP_S`` is killed and fails the test.

Exit statuses (docs/testing.md): 0 done; 1 the command ran and its subject failed (a check found
problems, the port is taken); 2 unusable input (arguments, files, database); 130 stopped by Ctrl+C.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import resource
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from station.cli import COMMANDS, build_parser, main

EXAMPLES = int(os.environ.get("OASIS_CLI_FUZZ_EXAMPLES", "6"))  # per command
RUN_S = 1.0  # then Ctrl+C
STOP_S = 10.0  # a command has this long to stop after Ctrl+C
MEMORY_HEADROOM = 1536 * 2**20  # bytes of address space above the parent's
ALLOWED = {0, 1, 2}
WARM_IMPORTS = ("mne", "pyxdf", "pylsl", "scipy.signal", "matplotlib.pyplot", "admin_web.app", "uvicorn")

SUFFIXES = [".toml", ".csv", ".txt", ".npy", ".npz", ".edf", ".bdf", ".xdf", ".json", ".jsonl", ".png", ""]
MAGICS = [b"", b"XDF:", b"\x93NUMPY\x01\x00", b"PK\x03\x04", b"0       ", b"\xef\xbb\xbf", b'id = "x"\n']
NUMBERS = [
    "nan",
    "inf",
    "-inf",
    "0",
    "-1",
    "1e308",
    "-1e308",
    "1e-320",
    "99999999999999999999999",
    "3",
    "0.5",
]
_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40)


def leaf_parsers(
    parser: argparse.ArgumentParser, prefix: list[str]
) -> list[tuple[list[str], argparse.ArgumentParser]]:
    """Every runnable (sub)command under ``parser`` with the words that select it."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        return [(prefix, parser)]
    return [
        leaf
        for action in subs
        for name, sub in action.choices.items()
        for leaf in leaf_parsers(sub, [*prefix, name])
    ]


def _leaves_of(command: str) -> list[tuple[list[str], argparse.ArgumentParser]]:
    top = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return leaf_parsers(top.choices[command], [command])


@st.composite
def hostile_file(draw: st.DrawFn, folder: Path) -> str:
    """A file of random bytes behind a plausible magic and suffix, or a special path (an endless
    device, a folder, a missing file, a name too long for the file system, stdin's "-")."""
    special = draw(st.sampled_from(["file", "file", "file", "/dev/zero", "folder", "missing", "long", "-"]))
    if special == "/dev/zero" or special == "-":
        return special
    if special == "folder":
        return str(folder)
    if special == "long":  # longer than a file name may be (ENAMETOOLONG)
        return str(folder / ("n" * 300))
    path = folder / f"f{draw(st.integers(0, 10**9))}{draw(st.sampled_from(SUFFIXES))}"
    if special == "file":
        path.write_bytes(draw(st.sampled_from(MAGICS)) + draw(st.binary(max_size=3000)))
    return str(path)


@st.composite
def value_for(draw: st.DrawFn, action: argparse.Action, folder: Path) -> str:
    """A hostile value for one option: mostly of the option's own kind (one of its choices, a number
    at the edges, a file), so that the command itself runs; sometimes any text, for argparse."""
    if draw(st.integers(0, 9)) == 0:
        return draw(_TEXT)
    if action.choices:
        return str(draw(st.sampled_from(list(action.choices))))
    if action.type in (int, float):
        return draw(st.one_of(st.sampled_from(NUMBERS), st.integers(-(2**70), 2**70).map(str)))
    return draw(hostile_file(folder))


@st.composite
def hostile_argv(
    draw: st.DrawFn, leaves: list[tuple[list[str], argparse.ArgumentParser]], folder: Path
) -> list[str]:
    """Words selecting a (sub)command, then a random subset of its options and its positionals."""
    words, parser = draw(st.sampled_from(leaves))
    argv = list(words)
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if not action.option_strings:  # positional: usually given, sometimes left out
            count = {
                None: 1,
                "?": draw(st.integers(0, 1)),
                "*": draw(st.integers(0, 2)),
                "+": draw(st.integers(1, 2)),
            }
            n = count.get(action.nargs, 1) if draw(st.integers(0, 9)) else 0
            argv += [draw(value_for(action, folder)) for _ in range(n)]
            continue
        if not (action.required or draw(st.booleans())):
            continue
        flag = action.option_strings[-1]
        if action.nargs == 0:
            argv.append(flag)
        else:
            argv.append(f"{flag}={draw(value_for(action, folder))}")
    return argv


def _run_in_child(argv: list[str], scratch: Path) -> tuple[int, str, bool]:
    """Run ``oasis ARGV`` in a forked child; returns (status, stderr, whether it needed Ctrl+C)."""
    err_path = scratch / "stderr.txt"
    limit = _address_space() + MEMORY_HEADROOM
    pid = os.fork()
    if pid == 0:  # the child: never returns
        status = 1
        try:
            os.setpgid(0, 0)
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            os.chdir(scratch)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            with (
                open(os.devnull, "rb") as null_in,
                open(err_path, "wb") as err,
                open(os.devnull, "wb") as out,
            ):
                os.dup2(null_in.fileno(), 0)
                os.dup2(out.fileno(), 1)
                os.dup2(err.fileno(), 2)
            status = _as_interpreter_would(argv)
        finally:
            os._exit(status)
    interrupted = False
    started = time.monotonic()
    while True:
        done, wait_status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        waited = time.monotonic() - started
        if not interrupted and waited > RUN_S:
            os.killpg(pid, signal.SIGINT)
            interrupted = True
        elif waited > RUN_S + STOP_S:
            os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return -9, err_path.read_text(errors="replace"), interrupted
        time.sleep(0.02)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)  # whatever the command left running in its group
    return os.waitstatus_to_exitcode(wait_status), err_path.read_text(errors="replace"), interrupted


def _as_interpreter_would(argv: list[str]) -> int:
    """``sys.exit(main(argv))`` as ``python -m station.cli`` runs it: an escaping exception prints a
    traceback and gives status 1."""
    try:
        return main(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # the interpreter's own top level, reproduced
        traceback.print_exc()
        sys.stderr.flush()
        return 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()


def _address_space() -> int:
    """This process's current virtual size in bytes (the child inherits it)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmSize in /proc/self/status")


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """HOME, XDG and OASIS_* folders in a scratch tree; heavy libraries imported once before forking."""
    root = tmp_path_factory.mktemp("cli-fuzz")
    saved = {k: os.environ.get(k) for k in ("HOME", "XDG_DATA_HOME", "XDG_CONFIG_HOME", "OASIS_DATA_DIR",
                                            "OASIS_ADMIN_DATA", "OASIS_STATION_CONFIG")}  # fmt: skip
    for key in saved:
        os.environ[key] = str(root / key.lower())
    os.environ["OASIS_STATION_CONFIG"] = str(root / "station.toml")
    for name in WARM_IMPORTS:  # imported once here, so each forked example starts warm
        importlib.import_module(name)

    yield root
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_survives_hostile_arguments_and_files(command: str, sandbox: Path) -> None:
    leaves = _leaves_of(command)
    files = Path(tempfile.mkdtemp(dir=sandbox))

    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(hostile_argv(leaves, files))
    def one_example(argv: list[str]) -> None:
        scratch = Path(tempfile.mkdtemp(dir=sandbox))
        status, err, interrupted = _run_in_child(argv, scratch)
        event(f"status {status}{' after Ctrl+C' if interrupted else ''}")
        shown = f"oasis {' '.join(map(repr, argv))}\n{err[-3000:]}"
        assert "Traceback" not in err, shown
        assert status in (ALLOWED | {130} if interrupted else ALLOWED), f"status {status}: {shown}"

    one_example()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["demo", "--seed=-1"], "oasis demo: --seed must be 0 or more"),
        (["pipeline", "--name= "], "oasis pipeline: 流名称为空 / --name must not be empty"),
        (["bridge", "cyton", "--port=/dev/null", "--status-every=nan", "--lang=en"],
         "invalid --status-every: give a number from 0.05 to 3600"),
        (["bridge", "gsr", "--port=/dev/null", "--baud=-5", "--lang=en"], "invalid --baud: give a number"),
        (["bridge", "gsr", "--port=/dev/null", "--duration=nan", "--lang=en"], "invalid --duration: give a"),
        (["protocol", "simulate", "quick-reset", "--seed=-1"], "simulate: --seed must be 0 or more"),
        (["protocol", "simulate", "quick-reset", "--resonance-rate=nan"], "--resonance-rate must be 3-30"),
        (["protocol", "simulate", "quick-reset", "--stop-at=-inf"], "--stop-at must be 0 s or more"),
    ],
)  # fmt: skip
def test_numbers_the_fuzz_found_are_refused_in_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each of these was a traceback before issue 16 (a ValueError from numpy's seeding or time.sleep,
    liblsl's RuntimeError for an empty stream name)."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1, err
