"""Pseudonymous officer codes: short, unambiguous, with a check character (Luhn mod N).

The alphabet leaves out characters people confuse on a screen or keypad (0/O, 1/I/L, 2/Z, 5/S,
B). Its size is even, as Luhn mod N needs. Six random characters plus one check character:
26**6 ≈ 309 million codes; every mistyped character and every swap of two neighbours (except the
pair 3 and Y, the first and last of the alphabet) is detected.
"""

from __future__ import annotations

import secrets

ALPHABET = "346789ACDEFGHJKMNPQRTUVWXY"
_INDEX = {c: i for i, c in enumerate(ALPHABET)}
DATA_LENGTH = 6


class InvalidOfficerCode(ValueError):
    """The text is not a valid officer code (wrong characters, length or check character)."""


def check_character(data: str) -> str:
    """The Luhn mod-N check character for ``data`` (characters from ALPHABET)."""
    n = len(ALPHABET)
    factor = 2
    total = 0
    for char in reversed(data):
        addend = factor * _INDEX[char]
        factor = 1 if factor == 2 else 2
        total += addend // n + addend % n
    return ALPHABET[(n - total % n) % n]


def new_code() -> str:
    """A fresh random code, e.g. ``"K7PQ-3XM"`` (normalised form without the dash: ``"K7PQ3XM"``)."""
    data = "".join(secrets.choice(ALPHABET) for _ in range(DATA_LENGTH))
    return data + check_character(data)


def normalise(text: str) -> str:
    """Upper-case, drop spaces and dashes, and validate; raises InvalidOfficerCode with a reason."""
    code = "".join(text.split()).replace("-", "").upper()
    if len(code) != DATA_LENGTH + 1:
        raise InvalidOfficerCode(f"an officer code has {DATA_LENGTH + 1} characters, got {len(code)}")
    bad = sorted({c for c in code if c not in _INDEX})
    if bad:
        raise InvalidOfficerCode(f"characters not used in officer codes: {''.join(bad)}")
    if check_character(code[:-1]) != code[-1]:
        raise InvalidOfficerCode("check character does not match (a character is mistyped)")
    return code


def display(code: str) -> str:
    """The code as shown to people: ``K7PQ-3XM``."""
    return f"{code[:4]}-{code[4:]}"
