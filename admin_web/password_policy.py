"""What a password must be: 8–128 characters, not a common password (the bundled list, ignoring case
and digits or symbols added at the end), not containing the user's name, and not trivially guessable
(fewer than four different characters, or a run like ``12345678`` / ``hgfedcba``)."""

from __future__ import annotations

from functools import cache
from itertools import pairwise
from pathlib import Path

MIN_PASSWORD_CHARS = 8
MAX_PASSWORD_CHARS = 128
MIN_DISTINCT_CHARS = 4
COMMON_PASSWORDS_FILE = Path(__file__).resolve().parent / "common_passwords.txt"


class WeakPassword(ValueError):
    """A password the policy refuses: ``key`` names the page text, ``str()`` is the English reason."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list of common passwords, lower case."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.startswith("#"))


def _is_run(text: str) -> bool:
    steps = {ord(b) - ord(a) for a, b in pairwise(text)}
    return len(steps) == 1 and abs(next(iter(steps))) <= 1


def check_password(password: str, user_name: str = "") -> None:
    """Raise :class:`WeakPassword` when ``password`` breaks the policy (for user ``user_name``)."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise WeakPassword(
            "err_password_short", f"password must have at least {MIN_PASSWORD_CHARS} characters"
        )
    if len(password) > MAX_PASSWORD_CHARS:
        raise WeakPassword("err_password_long", f"password must have at most {MAX_PASSWORD_CHARS} characters")
    lower = password.lower()
    stem = lower.rstrip("0123456789!@#$%^&*()-_=+.,;:?~ ")
    if lower in common_passwords() or (len(stem) >= 4 and stem in common_passwords()):
        raise WeakPassword("err_password_common", "password is too common")
    name = user_name.lower()
    if len(name) >= 3 and (name in lower or lower in name):
        raise WeakPassword("err_password_name", "password must not contain the user name")
    if len(set(lower)) < MIN_DISTINCT_CHARS or _is_run(lower):
        raise WeakPassword("err_password_simple", "password is too easy to guess")
