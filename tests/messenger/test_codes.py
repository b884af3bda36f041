"""Receipt codes: 100 random bits, forgiving to type, stored only as HMAC lookup + Argon2id."""

import math

from walkthetalk.messenger import codes


def test_a_code_has_four_groups_of_five_and_at_least_80_bits() -> None:
    code = codes.new_code()
    groups = code.split("-")
    assert [len(g) for g in groups] == [5, 5, 5, 5]
    assert all(ch in codes.ALPHABET for ch in "".join(groups))
    assert codes.CODE_LENGTH * math.log2(len(codes.ALPHABET)) == codes.CODE_BITS >= 80


def test_codes_do_not_repeat() -> None:
    assert len({codes.new_code() for _ in range(2000)}) == 2000


def test_reading_back_forgives_case_spaces_and_look_alike_letters() -> None:
    code = "7KQ2M-XF4RB-9HT0W-CZ3NA"
    assert codes.normalise(" 7kq2m xf4rb 9ht0w cz3na ") == "7KQ2MXF4RB9HT0WCZ3NA"
    assert codes.normalise("7KQ2M-XF4RB-9HTOW-CZ3NA") == codes.normalise(code)  # O read as 0
    assert codes.normalise("7KQ2M-XF4RB-9HT0W-CZ3N") is None  # too short
    assert codes.normalise("7KQ2M-XF4RB-9HT0W-CZ3NU") is None  # U is not in the alphabet
    assert codes.normalise("x" * 500) is None


def test_the_lookup_needs_the_whole_code_and_the_slow_hash_verifies_it() -> None:
    a = codes.normalise(codes.new_code())
    assert a is not None
    b = a[:-1] + ("0" if a[-1] != "0" else "1")
    assert codes.lookup_key(a) != codes.lookup_key(b)
    assert len(codes.lookup_key(a)) == 64
    stored = codes.slow_hash(a)
    assert stored.startswith("$argon2id$") and a not in stored
    assert codes.verify(stored, a)
    assert not codes.verify(stored, b)
    assert not codes.verify("not a hash", a)


def test_lookups_survive_a_secret_key_rotation(settings) -> None:
    a = codes.normalise(codes.new_code())
    assert a is not None
    old = codes.lookup_key(a)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-brand-new-secret-key-for-this-test-0123456789"
    assert codes.lookup_key(a) != old
    assert old in codes.lookup_keys(a)
