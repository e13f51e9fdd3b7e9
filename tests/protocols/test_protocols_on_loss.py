"""The protocol's sensor-loss policy, ``[sensors] on_loss``: freeze (default), pause or end; anything
else is a clear, one-line error naming the file and the key."""

from __future__ import annotations

import pytest

from protocols.loader import ProtocolError, find_protocol, library_names, parse_protocol
from protocols.protocol_model import OnLoss
from tests.protocols.test_protocols_loader import VALID


def test_on_loss_defaults_to_freeze() -> None:
    assert parse_protocol(VALID, "base.toml").on_loss is OnLoss.FREEZE


@pytest.mark.parametrize("policy", ["freeze", "pause", "end"])
def test_on_loss_is_read(policy: str) -> None:
    text = VALID + f'\n[sensors]\non_loss = "{policy}"\n'
    assert parse_protocol(text, "base.toml").on_loss is OnLoss(policy)


@pytest.mark.parametrize(
    ("table", "key", "words"),
    [
        ('on_loss = "stop"', "sensors.on_loss", "must be one of ['freeze', 'pause', 'end'], got 'stop'"),
        ("on_loss = 3", "sensors.on_loss", "must be one of"),
        ('on_lost = "end"', "sensors.on_lost", "unknown key"),
    ],
)
def test_a_bad_policy_says_what_is_wrong(table: str, key: str, words: str) -> None:
    with pytest.raises(ProtocolError) as exc:
        parse_protocol(VALID + f"\n[sensors]\n{table}\n", "broken.toml")
    assert any(p.startswith(f"broken.toml: {key}: ") and words in p for p in exc.value.problems), exc.value


def test_the_library_keeps_the_default() -> None:
    assert {find_protocol(name).on_loss for name in library_names()} == {OnLoss.FREEZE}
