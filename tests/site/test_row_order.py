"""Rows participants write carry no order that pairs them with anything (SQLite, PostgreSQL).

The attacker here holds the database and knows the order in which people took part (say, the
order in which the invitations they handed out were used). They sort answers and votes by
every physical order the database keeps — SQLite's rowid; PostgreSQL's row positions (ctid)
and writing transaction ids (xmin) — and pair the i-th row with the i-th person, or pair rows
of two tables written by the same transaction. On ordinary tables that recovers everyone (the
controls below); on participant tables it is at chance. The PostgreSQL tests run in the
PostgreSQL step of CI (DATABASE_URL set).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable

import pytest
from django.core.management import call_command
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import AutoField, BigAutoField

from walkthetalk.caremap import services as caremap_services
from walkthetalk.conversations import services as conversation_services
from walkthetalk.conversations.models import Conversation, Vote
from walkthetalk.pulse import services as pulse_services
from walkthetalk.pulse.models import Response
from walkthetalk.site import row_order

from ..caremap.factories import small_system
from ..conversations.factories import conversation
from ..conversations.factories import key as request_key

N = 40
SQLITE_ONLY = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's rowid (PostgreSQL has its own tests here)"
)
POSTGRES_ONLY = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="runs in the PostgreSQL step (DATABASE_URL set)"
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


def _answers_in_order() -> tuple[list[str], Callable[[dict[str, float]], int]]:
    """N people answer a wave one after another, each writing their number (base 5) into their
    own answers as ground truth; returns the answer items and how to read a row's person."""
    system = small_system()
    wave = pulse_services.open_wave(system, "Spring", [system.units.get(name="Riverbend Recovery")])
    team = system.units.get(name="Riverbend Day Team")
    tokens = pulse_services.make_batch(wave, N, unit=team).tokens
    inst = pulse_services.instrument()
    passes = [caremap_services.redeem_invitation(t) for t in tokens]  # redemption order known
    for person, participant_pass in enumerate(passes):
        answers: dict[str, object] = {i: 3 for i in inst.item_ids}
        for j, item_id in enumerate(inst.item_ids[:3]):
            answers[item_id] = 1 + (person // 5**j) % 5
        pulse_services.submit_response(wave, participant_pass, answers)
    ids = inst.item_ids[:3]

    def person(row_answers: dict[str, float]) -> int:
        return sum(int(row_answers[i] - 1) * 5**j for j, i in enumerate(ids))

    return ids, person


def _physical_answers(person: Callable[[dict[str, float]], int], order_by: str = "") -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT answers FROM "{Response._meta.db_table}" {order_by}')  # noqa: S608
        return [person(_as_dict(a)) for (a,) in cursor.fetchall()]


def _as_dict(value: object) -> dict[str, float]:
    return value if isinstance(value, dict) else json.loads(str(value))


def _votes_in_order() -> dict[str, int]:
    """N people join a conversation and vote one after another; returns person by participant."""
    conv = conversation(small_system())
    statement = conv.statements.first()
    participants = []
    for _ in range(N):
        participant_pass = caremap_services.open_pass(conv.care_system)
        participants.append(conversation_services.accept_agreements(conv, participant_pass))
        conversation_services.cast_vote(
            conv, participant_pass, statement.public_id, "agree", request_key()
        )
    return {p.pk.hex: person for person, p in enumerate(participants)}


VOTE_TABLES = (
    (Vote._meta.db_table, "participant_id"),
    ("conversations_conversationparticipant", "id"),
)


def _physical_votes(
    order: dict[str, int], table: str, column: str, order_by: str = ""
) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "{column}" FROM "{table}" {order_by}')  # noqa: S608
        return [order[str(value).replace("-", "")] for (value,) in cursor.fetchall()]


@SQLITE_ONLY
@pytest.mark.django_db
def test_answers_in_the_order_people_took_part_are_stored_in_no_such_order() -> None:
    _, person = _answers_in_order()
    _at_chance(_physical_answers(person))


@SQLITE_ONLY
@pytest.mark.django_db
def test_votes_in_the_order_people_voted_are_stored_in_no_such_order() -> None:
    order = _votes_in_order()
    for table, column in VOTE_TABLES:
        _at_chance(_physical_votes(order, table, column))


# ----------------------------------------------------------------------------- PostgreSQL

BY_POSITION = "ORDER BY ctid"
BY_WRITER = "ORDER BY xmin::text::bigint, ctid"


def _writers(table: str) -> int:
    return row_order.distinct_writers("default", [table])


@POSTGRES_ONLY
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_position_and_writer_give_everyone_away_before_a_rewrite_control() -> None:
    _, person = _answers_in_order()
    assert _matches(_physical_answers(person, BY_POSITION)) == N
    assert _matches(_physical_answers(person, BY_WRITER)) == N
    assert _writers(Response._meta.db_table) == N  # one transaction id per answer


@POSTGRES_ONLY
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_answers_after_the_clock_rewrite_keep_no_order_and_one_writer() -> None:
    from walkthetalk.site import tasks

    _, person = _answers_in_order()
    before = sorted(_physical_answers(person))
    tasks.shuffle_participant_rows.call()  # what the worker's clock runs every hour
    assert sorted(_physical_answers(person)) == before == list(range(N))
    _at_chance(_physical_answers(person, BY_POSITION))
    tables = row_order.participant_tables()
    assert row_order.distinct_writers("default", tables) == 1  # every row: the same xmin
    assert row_order.shuffle_participant_rows() == []  # nothing new: nothing to rewrite


@POSTGRES_ONLY
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_votes_and_participants_after_the_rewrite_keep_no_order() -> None:
    order = _votes_in_order()
    table, column = VOTE_TABLES[0]
    assert _matches(_physical_votes(order, table, column, BY_WRITER)) == N  # control
    assert _writers(table) == N
    tables = row_order.participant_tables()
    with connection.cursor() as cursor:
        keys = row_order.foreign_keys(cursor, tables)
    rewritten = row_order.shuffle_participant_rows()
    assert set(row_order.participant_tables()) <= set(rewritten)
    with connection.cursor() as cursor:
        assert row_order.foreign_keys(cursor, tables) == keys  # every foreign key is back
    for table, column in VOTE_TABLES:
        _at_chance(_physical_votes(order, table, column, BY_POSITION))
        assert _writers(table) == 1
    # the rows and what points at what are as they were
    assert Vote.objects.count() == N
    assert {v.participant_id.hex for v in Vote.objects.all()} == set(order)
    assert all(v.value == 1 for v in Vote.objects.select_related("participant"))


@POSTGRES_ONLY
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_a_row_written_after_the_rewrite_is_rewritten_at_the_next_tick() -> None:
    _votes_in_order()
    row_order.shuffle_participant_rows()
    conv = Conversation.objects.get()
    participant_pass = caremap_services.open_pass(conv.care_system)
    conversation_services.accept_agreements(conv, participant_pass)
    tables = row_order.participant_tables()
    assert row_order.distinct_writers("default", tables) == 2
    assert row_order.shuffle_participant_rows()
    assert row_order.distinct_writers("default", tables) == 1


def _schema(tables: list[str]) -> list[tuple[str, ...]]:
    """Every index and constraint of ``tables`` and of everything pointing at them, by name."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes "
            "WHERE tablename = ANY(%s) ORDER BY 1, 2",
            [tables],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated "
            "FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) "
            "OR confrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
            [tables, tables],
        )
        return [*indexes, *cursor.fetchall()]


def _leftovers() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname LIKE 'wtt\\_%%' "
            "UNION ALL SELECT tgname FROM pg_trigger WHERE tgname LIKE 'wtt\\_%%' "
            "UNION ALL SELECT proname FROM pg_proc WHERE proname LIKE 'wtt\\_%%'"
        )
        return [name for (name,) in cursor.fetchall()]


def _elsewhere(work: Callable[[], None], seconds: float = 20.0) -> float:
    """Run ``work`` on another connection (a participant's request) and wait for it; returns
    how long it took. Fails if it is still waiting after ``seconds``."""
    took: list[float] = []
    failed: list[BaseException] = []

    def run() -> None:
        began = time.perf_counter()
        try:
            with transaction.atomic():
                work()
            took.append(time.perf_counter() - began)
        except BaseException as error:  # reported below
            failed.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), "a participant's write waited for the rewrite"
    if failed:
        raise failed[0]
    return took[0]


@POSTGRES_ONLY
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_votes_during_the_rewrite_go_through_at_once_and_are_kept() -> None:
    order = _votes_in_order()
    conv = Conversation.objects.get()
    statements = list(conv.statements.all())
    changed, removed = list(Vote.objects.all()[:2])
    tables = row_order.participant_tables()
    schema = _schema(tables)
    arrived: list[str] = []

    def meanwhile() -> None:  # while the shuffled copies exist, people keep voting
        def vote() -> None:
            participant_pass = caremap_services.open_pass(conv.care_system)
            participant = conversation_services.accept_agreements(conv, participant_pass)
            conversation_services.cast_vote(
                conv, participant_pass, statements[1].public_id, "disagree", request_key()
            )
            arrived.append(participant.pk.hex)
            Vote.objects.filter(pk=changed.pk).update(value=-1)
            Vote.objects.filter(pk=removed.pk).delete()

        _elsewhere(vote)

    assert row_order.shuffle_participant_rows(after_copy=meanwhile) == tables
    assert len(arrived) == 1
    votes = {v.pk: v for v in Vote.objects.all()}
    assert len(votes) == N + 1 - 1  # one arrived, one was taken back: nothing else lost
    assert votes[changed.pk].value == -1 and removed.pk not in votes
    assert Vote.objects.get(participant_id=uuid.UUID(arrived[0])).value == -1
    assert {v.participant_id.hex for v in votes.values()} == (set(order) | set(arrived)) - {
        removed.participant_id.hex
    }
    assert row_order.distinct_writers("default", tables) == 1  # the rewrite's, arrivals too
    assert _schema(tables) == schema  # same names, same definitions, every key checked
    assert _leftovers() == []
    # and people keep voting afterwards, checked by the keys put back
    assert _elsewhere(lambda: Vote.objects.filter(pk=changed.pk).update(value=1)) < 20
    with pytest.raises(IntegrityError):
        _elsewhere(
            lambda: Vote.objects.create(
                conversation=conv,
                participant_id=uuid.uuid4(),
                statement=statements[0],
                value=1,
                voted_on=changed.voted_on,
            )
        )


@POSTGRES_ONLY
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_an_interrupted_rewrite_leaves_the_rows_and_nothing_else() -> None:
    order = _votes_in_order()
    tables = row_order.participant_tables()
    schema = _schema(tables)

    def crash() -> None:
        raise RuntimeError("worker stopped")

    with pytest.raises(RuntimeError, match="worker stopped"):
        row_order.shuffle_participant_rows(after_copy=crash)
    assert _leftovers() == []
    assert _schema(tables) == schema
    assert {v.participant_id.hex for v in Vote.objects.all()} == set(order)
    assert row_order.distinct_writers("default", tables) > 1  # not rewritten
    assert row_order.shuffle_participant_rows() == tables  # the next tick does it
    assert row_order.distinct_writers("default", tables) == 1


def _access(tables: list[str]) -> list[tuple[object, ...]]:
    """Owner, comment, and every privilege on each of ``tables`` and on each of their columns."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, c.relowner::regrole::text, obj_description(c.oid, 'pg_class'), "
            "NULL, e.grantee::regrole::text, e.privilege_type, e.is_grantable "
            "FROM pg_class c, aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) e "
            "WHERE c.relname = ANY(%s) "
            "UNION ALL SELECT c.relname, c.relowner::regrole::text, NULL, a.attname, "
            "e.grantee::regrole::text, e.privilege_type, e.is_grantable "
            "FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid, aclexplode(a.attacl) e "
            "WHERE c.relname = ANY(%s) ORDER BY 1, 4 NULLS FIRST, 5, 6",
            [tables, tables],
        )
        return cursor.fetchall()


@POSTGRES_ONLY
@pytest.mark.django_db(transaction=True)
def test_on_postgresql_grants_owner_and_comments_survive_the_rewrite() -> None:
    _votes_in_order()
    tables = row_order.participant_tables()
    vote, response, concern = Vote._meta.db_table, Response._meta.db_table, tables[-2]
    suffix = uuid.uuid4().hex[:8]  # roles belong to the whole server, shared by other runs
    reader, owner = f"wtt_test_reader_{suffix}", f"wtt_test_owner_{suffix}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (me,) = cursor.fetchone()
        cursor.execute(f"CREATE ROLE {reader} NOLOGIN")
        cursor.execute(f"CREATE ROLE {owner} NOLOGIN")
        try:
            cursor.execute(f'GRANT SELECT ON "{vote}" TO {reader}')
            cursor.execute(f'GRANT UPDATE ON "{vote}" TO {reader} WITH GRANT OPTION')
            cursor.execute(f'GRANT SELECT (id, wave_id) ON "{response}" TO {reader}')
            cursor.execute(f'REVOKE TRUNCATE ON "{vote}" FROM {me}')
            cursor.execute(f"COMMENT ON TABLE \"{vote}\" IS 'votes, in no order'")
            cursor.execute(f'ALTER TABLE "{concern}" OWNER TO {owner}')
            cursor.execute(f'GRANT SELECT ON "{concern}" TO {reader}')
            # what a new table would get by default must not reach the copies
            cursor.execute(f"ALTER DEFAULT PRIVILEGES GRANT INSERT ON TABLES TO {reader}")
            before = _access(tables)

            def allowed(table: str, what: str) -> bool:
                cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [reader, table, what])
                return bool(cursor.fetchone()[0])

            def column(table: str, col: str) -> bool:
                cursor.execute(
                    "SELECT has_column_privilege(%s, %s, %s, 'SELECT')", [reader, table, col]
                )
                return bool(cursor.fetchone()[0])

            assert allowed(vote, "SELECT") and not allowed(vote, "INSERT")
            assert row_order.shuffle_participant_rows(force=True) == tables
            assert row_order.distinct_writers("default", tables) == 1  # rewritten indeed
            assert _access(tables) == before
            assert allowed(vote, "SELECT") and allowed(vote, "UPDATE WITH GRANT OPTION")
            assert not allowed(vote, "INSERT") and not allowed(response, "INSERT")
            assert column(response, "wave_id") and not column(response, "unit_id")
            assert allowed(concern, "SELECT")
            cursor.execute("SELECT obj_description(%s::regclass, 'pg_class')", [vote])
            assert cursor.fetchone()[0] == "votes, in no order"
        finally:
            cursor.execute(f"ALTER DEFAULT PRIVILEGES REVOKE INSERT ON TABLES FROM {reader}")
            cursor.execute(f'ALTER TABLE "{concern}" OWNER TO {me}')
            cursor.execute(f'GRANT TRUNCATE ON "{vote}" TO {me}')
            for role in (reader, owner):
                cursor.execute(f"DROP OWNED BY {role}")
                cursor.execute(f"DROP ROLE {role}")
