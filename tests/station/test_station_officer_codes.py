"""Pseudonymous officer codes: format, check character, normalisation (fuzzed)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from station.store.officer_codes import (
    ALPHABET,
    DATA_LENGTH,
    InvalidOfficerCode,
    check_character,
    display,
    new_code,
    normalise,
)

codes = st.text(alphabet=ALPHABET, min_size=DATA_LENGTH, max_size=DATA_LENGTH).map(
    lambda d: d + check_character(d)
)


def test_new_codes_are_valid_short_and_unambiguous() -> None:
    seen = {new_code() for _ in range(200)}
    assert len(seen) == 200
    for code in seen:
        assert len(code) == 7 and normalise(code) == code
        assert not set(code) & set("0O1IL2Z5SB")


def test_display_and_typing_variants_normalise() -> None:
    code = new_code()
    shown = display(code)
    assert shown[4] == "-"
    assert normalise(shown.lower()) == code
    assert normalise(" " + shown[:2] + " " + shown[2:] + " ") == code


@given(codes, st.integers(0, DATA_LENGTH), st.sampled_from(ALPHABET))
def test_every_single_substitution_is_detected(code: str, pos: int, char: str) -> None:
    typo = code[:pos] + char + code[pos + 1 :]
    if typo != code:
        with pytest.raises(InvalidOfficerCode, match="check character"):
            normalise(typo)


@given(codes, st.integers(0, DATA_LENGTH - 1))
def test_neighbour_swaps_are_detected_except_first_and_last_character(code: str, pos: int) -> None:
    swapped = code[:pos] + code[pos + 1] + code[pos] + code[pos + 2 :]
    if swapped == code:
        return
    if {code[pos], code[pos + 1]} == {ALPHABET[0], ALPHABET[-1]}:  # Luhn mod N's one blind spot
        assert normalise(swapped) == swapped
    else:
        with pytest.raises(InvalidOfficerCode, match="check character"):
            normalise(swapped)


@given(st.text(max_size=20))
def test_any_text_is_accepted_or_refused_with_a_reason(text: str) -> None:
    try:
        code = normalise(text)
    except InvalidOfficerCode as exc:
        assert str(exc)
    else:
        assert len(code) == 7 and set(code) <= set(ALPHABET)
