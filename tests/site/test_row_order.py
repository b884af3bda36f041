"""Rows participants write carry no order that pairs them with anything (SQLite).

The attacker here holds the database and knows the order in which people took part (say, the
order in which the invitations they handed out were used). They sort answers and votes by
every physical order SQLite keeps and pair the i-th row with the i-th person. On ordinary
tables that recovers everyone (the control below); on participant tables it is at chance.
"""

from __future__ import annotations

import json
import uuid

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection
from django.db.models import AutoField, BigAutoField

from walkthetalk.caremap import services as caremap_services
from walkthetalk.conversations import services as conversation_services
from walkthetalk.conversations.models import Vote
from walkthetalk.pulse import services as pulse_services
from walkthetalk.pulse.models import Response
from walkthetalk.site import row_order

from ..caremap.factories import small_system
from ..conversations.factories import conversation
from ..conversations.factories import key as request_key

N = 40
SQLITE_ONLY = pytest.mark.skipif(
    connection.vendor != "sqlite",
    reason="PostgreSQL keeps transaction ids (xmin) and positions (ctid): see docs/anonymity.md",
)


def _matches(physical: list[int]) -> int:
    """How many rows sit at the position of the person who wrote them."""
    return sum(1 for position, person in enumerate(physical) if position == person)


def _rank_correlation(physical: list[int]) -> float:
    n = len(physical)
    d2 = sum((position - person) ** 2 for position, person in enumerate(physical))
    return 1 - 6 * d2 / (n * (n * n - 1))


def _at_chance(physical: list[int]) -> None:
    assert sorted(physical) == list(range(N))
    # For a random order, P(7 or more fixed points) < 1e-4 and P(|rho| > 0.6) < 2e-4.
    assert _matches(physical) <= 6, physical
    assert abs(_rank_correlation(physical)) < 0.6, physical


def test_participant_models_have_random_keys() -> None:
    from django.apps import apps

    for label in row_order.PARTICIPANT_MODELS:
        pk = apps.get_model(label)._meta.pk
        assert not isinstance(pk, AutoField | BigAutoField), label


@SQLITE_ONLY
@pytest.mark.django_db
def test_after_migrate_no_participant_table_has_a_rowid() -> None:
    call_command("migrate", verbosity=0)
    for table in row_order.participant_tables():
        assert not row_order.has_rowid("default", table), table
        with pytest.raises(OperationalError), connection.cursor() as cursor:
            cursor.execute(f'SELECT rowid FROM "{table}"')  # noqa: S608


def _as_an_ordinary_table(table: str) -> None:
    """Rebuild ``table`` with a rowid again, as a later migration that alters it would."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = %s", [table])
        (create,) = cursor.fetchone()
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
            "AND sql IS NOT NULL",
            [table],
        )
        indexes = [sql for (sql,) in cursor.fetchall()]
    body = create[len(f'CREATE TABLE "{table}"') :].replace(" WITHOUT ROWID", "")
    with connection.schema_editor(atomic=True) as editor:
        editor.execute(f'CREATE TABLE "again__{table}"{body}', None)
        editor.execute(f'INSERT INTO "again__{table}" SELECT * FROM "{table}"', None)  # noqa: S608
        editor.execute(f'DROP TABLE "{table}"', None)
        editor.execute(f'ALTER TABLE "again__{table}" RENAME TO "{table}"', None)
        for index in indexes:
            editor.execute(index, None)


@SQLITE_ONLY
@pytest.mark.django_db(transaction=True)
def test_a_table_that_lost_the_clause_is_rebuilt_with_its_rows_after_migrate() -> None:
    table = Vote._meta.db_table
    conv = conversation(small_system())
    participant_pass = caremap_services.open_pass(conv.care_system)
    conversation_services.accept_agreements(conv, participant_pass)
    statement = conv.statements.first()
    conversation_services.cast_vote(
        conv, participant_pass, statement.public_id, "agree", request_key()
    )
    _as_an_ordinary_table(table)
    assert row_order.has_rowid("default", table)
    call_command("migrate", verbosity=0)  # nothing to migrate; the clause comes back
    assert not row_order.has_rowid("default", table)
    assert Vote.objects.get().value == 1 and Vote.objects.get().statement == statement


@SQLITE_ONLY
@pytest.mark.django_db
def test_the_attack_works_on_an_ordinary_table_control() -> None:
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE probe (id char(32) NOT NULL PRIMARY KEY, person int)")
        for person in range(N):
            cursor.execute("INSERT INTO probe VALUES (%s, %s)", [uuid.uuid4().hex, person])
        cursor.execute("SELECT person FROM probe ORDER BY rowid")
        by_rowid = [p for (p,) in cursor.fetchall()]
        cursor.execute("DROP TABLE probe")
    assert _matches(by_rowid) == N  # the hidden rowid gives everyone away


@SQLITE_ONLY
@pytest.mark.django_db
def test_answers_in_the_order_people_took_part_are_stored_in_no_such_order() -> None:
    system = small_system()
    wave = pulse_services.open_wave(system, "Spring", [system.units.get(name="Riverbend Recovery")])
    team = system.units.get(name="Riverbend Day Team")
    tokens = pulse_services.make_batch(wave, N, unit=team).tokens
    inst = pulse_services.instrument()
    passes = [caremap_services.redeem_invitation(t) for t in tokens]  # redemption order known
    for person, participant_pass in enumerate(passes):
        answers: dict[str, object] = {i: 3 for i in inst.item_ids}
        # The person's number, written into their own answers (base 5) as ground truth.
        for j, item_id in enumerate(inst.item_ids[:3]):
            answers[item_id] = 1 + (person // 5**j) % 5
        pulse_services.submit_response(wave, participant_pass, answers)
    ids = inst.item_ids[:3]

    def person(row_answers: dict[str, float]) -> int:
        return sum(int(row_answers[i] - 1) * 5**j for j, i in enumerate(ids))

    with connection.cursor() as cursor:
        cursor.execute(f'SELECT answers FROM "{Response._meta.db_table}"')  # noqa: S608
        physical = [person(json.loads(a)) for (a,) in cursor.fetchall()]
    _at_chance(physical)


@SQLITE_ONLY
@pytest.mark.django_db
def test_votes_in_the_order_people_voted_are_stored_in_no_such_order() -> None:
    conv = conversation(small_system())
    statement = conv.statements.first()
    participants = []
    for _ in range(N):
        participant_pass = caremap_services.open_pass(conv.care_system)
        participants.append(conversation_services.accept_agreements(conv, participant_pass))
        conversation_services.cast_vote(
            conv, participant_pass, statement.public_id, "agree", request_key()
        )
    order = {p.pk.hex: person for person, p in enumerate(participants)}
    for table, column in (
        (Vote._meta.db_table, "participant_id"),
        ("conversations_conversationparticipant", "id"),
    ):
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT "{column}" FROM "{table}"')  # noqa: S608
            physical = [order[str(value).replace("-", "")] for (value,) in cursor.fetchall()]
        _at_chance(physical)
