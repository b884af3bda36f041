"""Sending a concern, opening it with the code, replies, rate limits and bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache

from walkthetalk.messenger import codes, ratelimit, selectors, services
from walkthetalk.messenger.models import CONCERN_MAX_LENGTH, Concern, Reply

from ..caremap.factories import small_system
from .factories import a_pass, a_role, key

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_a_concern_stores_nothing_about_the_sender_and_never_the_code() -> None:
    system = small_system()
    role = a_role(system)
    receipt = services.submit_concern(a_pass(system), role.public_id, "Supervision is cut.", key())
    concern = Concern.objects.get()
    assert concern.text == "Supervision is cut."
    assert isinstance(concern.sent_on, dt.date) and not isinstance(concern.sent_on, dt.datetime)
    field_names = {f.name for f in Concern._meta.get_fields()}
    assert not field_names & {"participation", "sector", "unit", "level", "ip", "user_agent"}
    normalised = codes.normalise(receipt.code)
    row = Concern.objects.values().get()
    assert all(receipt.code not in str(v) and normalised not in str(v) for v in row.values())
    assert row["code_hash"].startswith("$argon2id$")


def test_the_code_opens_the_concern_and_a_forged_one_does_not() -> None:
    system = small_system()
    role = a_role(system)
    receipt = services.submit_concern(a_pass(system), role.public_id, "Night shifts.", key())
    assert services.open_concern(receipt.code.lower().replace("-", " ")).pk == receipt.concern.pk
    forged = codes.new_code()
    with pytest.raises(services.CodeNotFound, match="could not find"):
        services.open_concern(forged)
    with pytest.raises(services.CodeNotFound):
        services.open_concern("' OR 1=1 --")


def test_a_lookup_row_with_a_wrong_slow_hash_does_not_open() -> None:
    system = small_system()
    role = a_role(system)
    receipt = services.submit_concern(a_pass(system), role.public_id, "Text.", key())
    Concern.objects.update(code_hash=codes.slow_hash(codes.normalise(codes.new_code()) or ""))
    with pytest.raises(services.CodeNotFound):
        services.open_concern(receipt.code)


def test_oversized_empty_or_misdirected_concerns_change_nothing() -> None:
    system = small_system()
    other = small_system("elsewhere")
    role = a_role(system)
    other_role = a_role(other)
    participant = a_pass(system)
    with pytest.raises(services.MessengerError, match="keep it to 4000"):
        services.submit_concern(participant, role.public_id, "x" * (CONCERN_MAX_LENGTH + 1), key())
    with pytest.raises(services.MessengerError, match="write your concern"):
        services.submit_concern(participant, role.public_id, "   ", key())
    with pytest.raises(services.MessengerError, match="choose who"):
        services.submit_concern(participant, other_role.public_id, "Text", key())
    with pytest.raises(services.MessengerError, match="expired"):
        services.submit_concern(participant, role.public_id, "Text", "short")
    assert Concern.objects.count() == 0


def test_a_double_submit_keeps_one_concern() -> None:
    system = small_system()
    role = a_role(system)
    participant = a_pass(system)
    request_key = key()
    services.submit_concern(participant, role.public_id, "Once.", request_key)
    with pytest.raises(services.DuplicateRequest, match="already sent"):
        services.submit_concern(participant, role.public_id, "Once.", request_key)
    assert Concern.objects.count() == 1


def test_replies_both_ways_and_the_first_leadership_reply_sets_the_day() -> None:
    system = small_system()
    role = a_role(system)
    receipt = services.submit_concern(a_pass(system), role.public_id, "Concern.", key())
    concern = receipt.concern
    services.answer_back(services.open_concern(receipt.code), "More detail.", key())
    concern.refresh_from_db()
    assert concern.first_reply_on is None
    services.reply_as_leadership(concern, "Thank you, we hear you.", key())
    request_key = key()
    services.reply_as_leadership(concern, "An update.", request_key)
    with pytest.raises(services.DuplicateRequest):
        services.reply_as_leadership(concern, "An update.", request_key)
    with pytest.raises(services.MessengerError, match="keep it to"):
        services.answer_back(concern, "y" * 5000, key())
    concern.refresh_from_db()
    assert concern.first_reply_on == services.today()
    sides = list(Reply.objects.filter(concern=concern).values_list("side", "position"))
    assert sides == [("sender", 1), ("leadership", 2), ("leadership", 3)]


def test_lookups_are_rate_limited_per_prefix_only(monkeypatch) -> None:
    system = small_system()
    role = a_role(system)
    receipt = services.submit_concern(a_pass(system), role.public_id, "Concern.", key())
    prefix = receipt.code[:5]
    for _ in range(ratelimit.PREFIX_LIMIT):
        with pytest.raises(services.CodeNotFound):
            services.open_concern(prefix + codes.new_code()[5:])
    # Now even the right code with that prefix waits: a kind message, not an error page.
    with pytest.raises(services.RateLimited, match="try again"):
        services.open_concern(receipt.code)
    # Another prefix is not touched: there is no site-wide limit to use up.
    other = services.submit_concern(a_pass(system), role.public_id, "Other.", key())
    assert other.code[:5] != prefix  # 1 in 2**25 chance of a false failure
    for _ in range(ratelimit.PREFIX_LIMIT):
        assert services.open_concern(other.code).pk == other.concern.pk
    with pytest.raises(services.RateLimited):
        services.open_concern(other.code)
    assert not hasattr(ratelimit, "GLOBAL_LIMIT")
    # A new window starts afresh.
    later = ratelimit._bucket() + 1
    monkeypatch.setattr(ratelimit, "_bucket", lambda now=None: later)
    assert services.open_concern(receipt.code).pk == receipt.concern.pk


def test_a_flood_of_made_up_codes_does_not_stop_a_real_holder(monkeypatch) -> None:
    """400 made-up, well-formed codes (more than the old global cap of 300) lock out no one."""
    system = small_system()
    role = a_role(system)
    receipt = services.submit_concern(a_pass(system), role.public_id, "Concern.", key())
    concern = receipt.concern
    services.reply_as_leadership(concern, "We hear you and are on it.", key())
    verified = []
    real_verify = codes.verify
    monkeypatch.setattr(codes, "verify", lambda h, n: verified.append(n) or real_verify(h, n))
    refused = 0
    for _ in range(400):
        made_up = codes.new_code()
        if made_up[:5] == receipt.code[:5]:
            continue  # 1 in 2**25: the attacker does not know the holder's prefix
        try:
            services.open_concern(made_up)
        except services.CodeNotFound:
            pass
        except services.RateLimited:
            refused += 1
    assert refused == 0
    assert verified == []  # no Argon2 work was spent on any made-up code
    opened = services.open_concern(receipt.code)
    assert opened.pk == concern.pk
    assert [r.text for r in selectors.thread(opened)][-1] == "We hear you and are on it."


def test_escalation_uses_the_care_systems_days_with_a_fixed_today() -> None:
    system = small_system()
    services.set_escalation_days(system, 5)
    role = a_role(system)
    sent = dt.date(2026, 3, 2)
    rows = {}
    for name in ("old", "answered", "recent"):
        receipt = services.submit_concern(a_pass(system), role.public_id, name, key())
        rows[name] = receipt.concern
    Concern.objects.update(sent_on=sent)
    Concern.objects.filter(pk=rows["recent"].pk).update(sent_on=dt.date(2026, 3, 5))
    Concern.objects.filter(pk=rows["answered"].pk).update(first_reply_on=dt.date(2026, 3, 3))
    assert services.escalate_concerns(dt.date(2026, 3, 6)) == 0  # 4 days: not yet
    assert services.escalate_concerns(dt.date(2026, 3, 7)) == 1  # 5 days: the old one
    assert services.escalate_concerns(dt.date(2026, 3, 8)) == 0  # escalates only once
    old = Concern.objects.get(pk=rows["old"].pk)
    assert (old.escalated_to, old.escalated_on) == ("steward", dt.date(2026, 3, 7))
    assert Concern.objects.get(pk=rows["answered"].pk).escalated_to == ""
    assert services.escalate_concerns(dt.date(2026, 3, 10)) == 1  # the recent one, 5 days on


def test_escalation_days_are_checked() -> None:
    system = small_system()
    with pytest.raises(services.MessengerError):
        services.set_escalation_days(system, 0)
    assert services.policy_for(system).escalate_after_days == 7


def test_leadership_roles_for_a_pass_are_its_own_systems() -> None:
    system = small_system()
    a_role(system, "Medical Director")
    a_role(small_system("elsewhere"), "Someone else's")
    titles = [r.title for r in selectors.leadership_roles_for(a_pass(system))]
    assert titles == ["Medical Director"]


def test_a_concern_is_open_then_answered_then_resolved_and_writing_back_opens_it() -> None:
    system = small_system()
    role = a_role(system)
    receipt = services.submit_concern(a_pass(system), role.public_id, "Concern text", key())
    concern = receipt.concern
    assert concern.status == "open"
    # Resolving before any reply is refused, and nothing changes.
    with pytest.raises(services.MessengerError, match="Reply first"):
        services.set_resolved(concern, True)
    concern.refresh_from_db()
    assert concern.status == "open" and concern.resolved_on is None
    services.reply_as_leadership(concern, "We hear you.", key())
    concern.refresh_from_db()
    assert concern.status == "answered"
    resolved = services.set_resolved(concern, True)
    assert resolved.status == "resolved" and resolved.resolved_on == services.today()
    assert services.set_resolved(concern, True).resolved_on == resolved.resolved_on  # no change
    # The sender writing back says it is not settled: open again (answered).
    opened = services.open_concern(receipt.code)
    services.answer_back(opened, "Not yet, sorry — it happened again.", key())
    concern.refresh_from_db()
    assert concern.status == "answered" and concern.resolved_on is None
    services.set_resolved(concern, True)
    assert services.set_resolved(concern, False).status == "answered"


def test_concerns_list_open_then_answered_then_resolved_and_filter_by_status() -> None:
    system = small_system()
    role = a_role(system)
    made = [
        services.submit_concern(a_pass(system), role.public_id, f"Concern {i}", key()).concern
        for i in range(3)
    ]
    services.reply_as_leadership(made[0], "Replied.", key())
    services.reply_as_leadership(made[1], "Replied.", key())
    services.set_resolved(made[0], True)
    order = [c.text for c in selectors.concerns_for(system)]
    assert order == ["Concern 2", "Concern 1", "Concern 0"]
    assert [c.text for c in selectors.concerns_with_status(system, "open")] == ["Concern 2"]
    assert [c.text for c in selectors.concerns_with_status(system, "answered")] == ["Concern 1"]
    assert [c.text for c in selectors.concerns_with_status(system, "resolved")] == ["Concern 0"]
