"""Invitation codes: short, free of look-alike characters, typed case-blind; batch codes drawn
from a key are the same every time and a batch key sent twice makes one batch."""

import pytest

from walkthetalk.caremap import services
from walkthetalk.caremap.models import Invitation
from walkthetalk.caremap.tokens import (
    CODE_ALPHABET,
    derived_token,
    new_batch_key,
    new_code,
    new_token,
    normalise_token,
)

from .factories import small_system


def test_codes_are_short_grouped_and_free_of_look_alikes() -> None:
    codes = {new_code() for _ in range(500)}
    assert len(codes) == 500
    for code in codes:
        groups = code.split("-")
        assert [len(g) for g in groups] == [4, 4, 4, 4]
        assert set("".join(groups)) <= set(CODE_ALPHABET)
    assert not set(CODE_ALPHABET) & set("01OIL")
    assert len(CODE_ALPHABET) ** 16 > 2**79


def test_typed_codes_are_read_case_blind_with_any_spaces_or_dashes() -> None:
    code = new_code()
    assert normalise_token(code.lower().replace("-", " ")) == code
    assert normalise_token(" " + code.replace("-", "") + " ") == code
    older = "aB3_x-Yz9aB3_x-Yz9aB3_xY"  # a 24-character token from before short codes
    assert normalise_token(older) == older
    assert normalise_token("OOOO-OOOO-OOOO-OOOO") == "OOOO-OOOO-OOOO-OOOO"  # not a code


def test_batch_codes_come_again_from_their_key_and_from_no_other() -> None:
    key = new_batch_key()
    first = [derived_token(key, i) for i in range(20)]
    assert first == [derived_token(key, i) for i in range(20)] and len(set(first)) == 20
    assert not set(first) & {derived_token(new_batch_key(), i) for i in range(20)}


@pytest.mark.django_db
def test_a_batch_key_sent_twice_makes_one_batch_and_its_codes_redeem() -> None:
    system = small_system()
    key = new_batch_key()
    made = services.invite(system, 6, batch_key=key)
    again = services.invite(system, 6, batch_key=key)
    assert again.tokens == made.tokens and Invitation.objects.count() == 6
    services.redeem_invitation(made.tokens[0].lower().replace("-", ""))
    assert Invitation.objects.filter(used_on__isnull=False).count() == 1
    with pytest.raises(services.InvitationError):
        services.redeem_invitation(made.tokens[0])


def test_link_tokens_never_typed_stay_long() -> None:
    """A shared report's link is clicked, not typed: it keeps 144 random bits."""
    tokens = {new_token() for _ in range(50)}
    assert len(tokens) == 50 and all(len(t) == 24 for t in tokens)
