"""The privacy audit's findings, each kept fixed by a test.

1. A conversation participant is found by a one-way key of the conversation and the pass's
   secret key, never by a link to a care-map participation.
2. Taking part in a conversation writes no participation row (it would share the participant's
   transaction, and so ``xmin`` in PostgreSQL).
3. Votes enqueue nothing: results are refreshed on the worker's fixed clock, keep the day they
   were computed (not a time), and the finished refresh rows are deleted.
4. Statements, votes and questions reach a participant row only, never a participation.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, models
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from walkthetalk.caremap import services as caremap_services
from walkthetalk.caremap.passes import ParticipantPass
from walkthetalk.conversations import selectors, services, tasks
from walkthetalk.conversations.models import (
    Conversation,
    ConversationParticipant,
    ConversationResult,
    Vote,
)

from ..caremap.factories import small_system
from .factories import conversation, joined, key, populate

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _all_stored_text() -> str:
    """Every value of every conversations row, as one string."""
    out = []
    for model in apps.get_app_config("conversations").get_models():
        for row in model.objects.values():
            out.append(json.dumps(row, default=str))
    return "\n".join(out)


# --- 1. the participant key -------------------------------------------------------------


def test_no_conversations_model_points_at_a_participation() -> None:
    for model in apps.get_app_config("conversations").get_models():
        for field in model._meta.get_fields():
            assert "participation" not in field.name, (model, field)
    names = {f.name for f in ConversationParticipant._meta.get_fields()}
    assert not names & {"unit", "level", "care_system"}  # the sector is all results need


@pytest.mark.django_db
def test_the_participant_key_comes_from_the_secret_pass_key_only() -> None:
    system = small_system()
    first, second = conversation(system), conversation(system)
    participant_pass = caremap_services.open_pass(system, system.sectors.get(slug="treatment"))
    services.accept_agreements(first, participant_pass)
    services.accept_agreements(second, participant_pass)
    row = ConversationParticipant.objects.get(conversation=first)
    message = f"walkthetalk.conversations.participant:{first.pk}:{participant_pass.key}"
    assert row.key == hashlib.sha256(message.encode()).hexdigest()
    # Not computable from what the server stores about a pass, and not the same across
    # conversations (so one person's rows in two conversations cannot be paired).
    from_hash = f"walkthetalk.conversations.participant:{first.pk}:{participant_pass.key_hash}"
    assert row.key not in {
        participant_pass.key_hash,
        hashlib.sha256(from_hash.encode()).hexdigest(),
    }
    assert row.key != ConversationParticipant.objects.get(conversation=second).key
    # Knowing the stored hash is no way in: a pass whose key is that hash finds nothing.
    forged = ParticipantPass(participant_pass.key_hash, system.pk, sector_id=row.sector_id)
    assert selectors.participant_for(first, forged) is None
    assert selectors.participant_for(first, participant_pass) == row


@pytest.mark.django_db
def test_own_rows_are_found_from_the_pass_for_votes_statements_and_questions() -> None:
    conv = conversation(small_system())
    participant_pass = joined(conv)
    statements = list(conv.statements.order_by("pk"))
    services.cast_vote(conv, participant_pass, statements[0].public_id, "agree", key())
    written = services.submit_statement(conv, participant_pass, "We need more time to talk.")
    services.ask_clarification(conv, participant_pass, statements[1].public_id, "Which kind?")
    participant = ConversationParticipant.objects.get()
    assert written.author == participant
    assert Vote.objects.filter(participant=participant).count() == 2
    assert selectors.progress(conv, participant).voted == 2
    # Someone else's pass reaches none of it.
    other = joined(conv)
    assert selectors.participant_for(conv, other) != participant
    assert selectors.my_statements(conv, selectors.participant_for(conv, other)) == []


# --- 2. no participation rows -----------------------------------------------------------


@pytest.mark.django_db
def test_taking_part_writes_no_participation_and_stores_no_pass_hash() -> None:
    system = small_system()
    conv = conversation(system, sectors=[system.sectors.get(slug="treatment")])
    token = caremap_services.create_invitations(
        system, 5, unit=system.units.first(), sector=system.sectors.get(slug="treatment")
    )[0]
    participant_pass = caremap_services.redeem_invitation(token)
    assert participant_pass.unit_id is not None  # an invitation pass carries unit and sector
    assert [c.pk for c in selectors.open_conversations_for(participant_pass)] == [conv.pk]
    services.accept_agreements(conv, participant_pass)
    statement = conv.statements.first()
    services.cast_vote(conv, participant_pass, statement.public_id, "disagree", key())
    services.submit_statement(conv, participant_pass, "Our teams deserve a real lunch break.")
    services.ask_clarification(conv, participant_pass, statement.public_id)
    assert "participation" not in apps.all_models["caremap"]
    participant = ConversationParticipant.objects.get()
    assert participant.sector.slug == "treatment"
    stored = _all_stored_text()
    assert participant_pass.key_hash not in stored and participant_pass.key not in stored


@pytest.mark.django_db
def test_sector_checks_use_the_pass_and_write_nothing_when_refused() -> None:
    system = small_system()
    conv = conversation(system, sectors=[system.sectors.get(slug="prevention")])
    outsider = caremap_services.open_pass(system, system.sectors.get(slug="treatment"))
    assert selectors.open_conversations_for(outsider) == []
    with pytest.raises(services.ConversationError, match="for people in these sectors"):
        services.accept_agreements(conv, outsider)
    assert ConversationParticipant.objects.count() == 0


# --- 3. timing ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_votes_write_no_task_row_and_wait_for_the_clock(
    settings, django_capture_on_commit_callbacks
) -> None:
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = DATABASE_TASKS
    conv = conversation(small_system())
    participant_pass = joined(conv)
    with django_capture_on_commit_callbacks(execute=True):
        for statement in conv.statements.all()[:3]:
            services.cast_vote(conv, participant_pass, statement.public_id, "agree", key())
    assert not DBTaskResult.objects.exists()  # no row keeps the time of any vote
    conv.refresh_from_db()
    assert conv.refresh_pending  # the clock's next tick recomputes it
    assert services.REFRESH_EVERY >= dt.timedelta(minutes=5)


def test_no_conversations_model_keeps_a_time_of_day() -> None:
    for model in apps.get_app_config("conversations").get_models():
        timed = [f.name for f in model._meta.get_fields() if isinstance(f, models.DateTimeField)]
        assert timed == [], f"{model.__name__} keeps a time: {timed}"


@pytest.mark.django_db
def test_results_keep_the_day_they_were_computed_not_a_time() -> None:
    conv = conversation(small_system())
    populate(conv, {"treatment": 6, "prevention": 6})
    tasks.refresh(conv.pk)
    field = ConversationResult._meta.get_field("computed_on")
    assert field.get_internal_type() == "DateField"
    result = ConversationResult.objects.get(conversation=conv)
    assert type(result.computed_on) is dt.date and result.computed_on == services.today()


@pytest.mark.django_db
def test_the_results_page_and_exports_say_the_day_only(django_user_model) -> None:
    conv = conversation(small_system())
    populate(conv, {"treatment": 6, "prevention": 6})
    tasks.refresh(conv.pk)
    user = django_user_model.objects.create_user("facilitator", password="a-long-password-1")
    caremap_services.grant_role(user, conv.care_system, "facilitator")
    client = Client()
    client.force_login(user)
    base = f"/conversations/{conv.public_id}/manage/results/"
    page = client.get(base).content.decode()
    assert "Last computed today" in page and "UTC" not in page
    exported = client.get(base + "export.json").json()
    assert exported["computed_on"] == services.today().isoformat()
    api = client.get(f"/api/conversations/{conv.public_id}/results").json()
    assert api["computed_on"] == services.today().isoformat()
    ConversationResult.objects.filter(pk=conv.pk).update(computed_on=dt.date(2026, 3, 4))
    assert "Last computed on 4 March 2026" in client.get(base).content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_the_clock_task_then_forgets_its_task_rows(settings, capsys) -> None:
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from walkthetalk.site import clock

    settings.TASKS = DATABASE_TASKS
    conv = conversation(small_system())
    populate(conv, {"treatment": 6})
    assert not DBTaskResult.objects.exists()
    other = DBTaskResult.objects.create(
        args_kwargs={"args": [conv.pk + 1000], "kwargs": {}},
        task_path="walkthetalk.conversations.tasks.refresh_results",
        backend_name="default",
        status=TaskResultStatus.SUCCESSFUL,
        return_value="ready",
        exception_class_path="",
        traceback="",
    )
    path = "walkthetalk.conversations.tasks.refresh_outdated_results"
    assert clock.enqueue_if_idle(path)
    assert not clock.enqueue_if_idle(path)  # one waiting run is enough, for any number of workers
    (tick,) = DBTaskResult.objects.filter(task_path=path)
    assert tick.args_kwargs == {"args": [], "kwargs": {}}  # names no conversation
    worker = {"batch": True, "startup_delay": False, "reload": False, "verbosity": 1}
    call_command("worker", **worker)
    result = ConversationResult.objects.get(conversation=conv)
    assert result.computed_on == services.today() and result.state == "ready"
    assert set(DBTaskResult.objects.values_list("pk", flat=True)) == {other.pk}
    conv.refresh_from_db()
    assert not conv.refresh_pending
    logged = capsys.readouterr()
    assert str(tick.pk) not in logged.out + logged.err  # the log names no task
    assert "state=" not in logged.out + logged.err


# --- 4. the migration -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_migration_gives_old_rows_random_keys_and_drops_the_link() -> None:
    executor = MigrationExecutor(connection)
    before = [("conversations", "0001_initial")]
    executor.migrate(before)
    # Participations themselves went later (caremap 0003), after the link to them.
    others = [
        n
        for n in executor.loader.graph.leaf_nodes()
        if n[0] not in ("conversations", "caremap", "reports")  # reports builds on conversations
    ] + [("caremap", "0002_participation_without_a_day")]
    old = executor.loader.project_state(before + others).apps
    system = old.get_model("caremap", "CareSystem").objects.create(name="Old", slug="old")
    participation = old.get_model("caremap", "Participation").objects.create(
        key_hash="a" * 64, care_system=system
    )
    conv = old.get_model("conversations", "Conversation").objects.create(
        care_system=system, title="Before keys", created_on=dt.date(2026, 1, 5)
    )
    Participant = old.get_model("conversations", "ConversationParticipant")
    linked = Participant.objects.create(
        conversation=conv, participation=participation, joined_on=dt.date(2026, 1, 5)
    )
    imported = Participant.objects.create(
        conversation=conv, joined_on=dt.date(2026, 1, 5), imported=True
    )
    old.get_model("conversations", "ConversationResult").objects.create(
        conversation=conv,
        state="waiting",
        computed_on=dt.datetime(2026, 1, 6, 9, 30, tzinfo=dt.UTC),
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    rows = {p.pk: p for p in ConversationParticipant.objects.all()}
    assert set(rows) == {linked.pk, imported.pk}
    keys = {p.key for p in rows.values()}
    assert len(keys) == 2 and all(len(k) == 64 and k != "a" * 64 for k in keys)
    assert not any(
        "participation" in c.name
        for c in connection.introspection.get_table_description(
            connection.cursor(), ConversationParticipant._meta.db_table
        )
    )
    result = ConversationResult.objects.get(conversation_id=conv.pk)
    assert type(result.computed_on) is dt.date and result.computed_on == dt.date(2026, 1, 6)
    # An earlier participant is simply a new one when they come back; nothing breaks.
    assert Conversation.objects.get(pk=conv.pk).participants.count() == 2
