"""Conversations' business rules: agreements, votes, statements, clarifications, moderation."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from walkthetalk.caremap import services as caremap_services
from walkthetalk.caremap.defaults import DEFAULT_AGREEMENTS
from walkthetalk.conversations import priority, selectors, services, tasks
from walkthetalk.conversations.models import (
    ClarificationRequest,
    Conversation,
    ConversationParticipant,
    ModerationDecision,
    Statement,
    Topic,
    TopicSet,
    Vote,
)

from ..caremap.factories import small_system
from .factories import SEEDS, TOPIC_THEMES, conversation, joined, key

pytestmark = pytest.mark.django_db


def test_new_conversation_has_the_six_agreements_seeds_and_a_random_id() -> None:
    system = small_system()
    a = conversation(system)
    b = conversation(system)
    assert a.agreements == list(DEFAULT_AGREEMENTS) and len(a.agreements) == 6
    assert a.statements.filter(status="published", is_seed=True).count() == len(SEEDS)
    assert a.public_id != b.public_id and len(a.public_id) >= 12
    assert not a.public_id.isdigit()


def test_conversation_rejects_a_sector_of_another_system_and_writes_nothing() -> None:
    system = small_system()
    other = caremap_services.create_care_system("Elsewhere", "elsewhere")
    with pytest.raises(services.ConversationError, match="own care system"):
        conversation(system, sectors=[other.sectors.first()])
    assert Conversation.objects.count() == 0


def test_voting_needs_the_agreements_first() -> None:
    conv = conversation(small_system())
    participant_pass = caremap_services.open_pass(conv.care_system)
    statement = conv.statements.first()
    with pytest.raises(services.NotAcceptedError):
        services.cast_vote(conv, participant_pass, statement.public_id, "agree", key())
    assert Vote.objects.count() == 0


def test_acceptance_is_recorded_per_participant_key_with_a_day_only() -> None:
    conv = conversation(small_system())
    participant_pass = joined(conv)
    participant = ConversationParticipant.objects.get()
    assert participant.key == services.participant_key(conv.pk, participant_pass)
    assert participant.agreements_version == conv.agreements_version
    assert participant.accepted_on is not None
    assert participant.sector.slug == "treatment"
    # Accepting again changes nothing.
    services.accept_agreements(conv, participant_pass)
    assert ConversationParticipant.objects.count() == 1


def test_new_wording_asks_everyone_to_accept_again() -> None:
    conv = conversation(small_system())
    participant_pass = joined(conv)
    conv = services.update_agreements(conv, ["We listen.", "We seek common ground."])
    assert conv.agreements == ["We listen.", "We seek common ground."]
    statement = conv.statements.first()
    with pytest.raises(services.NotAcceptedError):
        services.cast_vote(conv, participant_pass, statement.public_id, "agree", key())
    services.accept_agreements(conv, participant_pass)
    services.cast_vote(conv, participant_pass, statement.public_id, "agree", key())
    assert Vote.objects.count() == 1


def test_agreements_cannot_be_emptied_or_too_long() -> None:
    conv = conversation(small_system())
    with pytest.raises(services.ConversationError):
        services.update_agreements(conv, ["   ", ""])
    with pytest.raises(services.ConversationError):
        services.update_agreements(conv, ["x" * 501])
    conv.refresh_from_db()
    assert conv.agreements == list(DEFAULT_AGREEMENTS) and conv.agreements_version == 1


def test_a_retried_vote_never_double_counts() -> None:
    conv = conversation(small_system())
    participant_pass = joined(conv)
    statement = conv.statements.first()
    k = key()
    first = services.cast_vote(conv, participant_pass, statement.public_id, "agree", k)
    again = services.cast_vote(conv, participant_pass, statement.public_id, "agree", k)
    assert not first.replayed and again.replayed
    vote = Vote.objects.get()
    assert vote.value == Vote.Value.AGREE
    assert vote.request_key == services.request_key_digest(vote.participant, k)
    assert services.store_tallies(conv.pk) == 1
    statement.refresh_from_db()
    assert (statement.n_agree, statement.n_disagree, statement.n_pass) == (1, 0, 0)


def test_changing_a_vote_keeps_the_latest_and_an_old_retry_does_not_undo_it() -> None:
    conv = conversation(small_system())
    participant_pass = joined(conv)
    statement = conv.statements.first()
    first_key = key()
    services.cast_vote(conv, participant_pass, statement.public_id, "agree", first_key)
    shown = Vote.objects.get().request_key  # what "Your votes" puts in its change form
    changed = services.cast_vote(
        conv, participant_pass, statement.public_id, "disagree", key(), replaces=shown
    )
    assert not changed.replayed
    retry = services.cast_vote(conv, participant_pass, statement.public_id, "agree", first_key)
    assert retry.replayed and retry.value == Vote.Value.DISAGREE
    # A second change form showing the old vote is outdated too: nothing changes.
    stale = services.cast_vote(
        conv, participant_pass, statement.public_id, "pass", key(), replaces=shown
    )
    assert stale.replayed and stale.value == Vote.Value.DISAGREE
    vote = Vote.objects.get()
    assert vote.value == Vote.Value.DISAGREE
    services.store_tallies(conv.pk)
    statement.refresh_from_db()
    assert (statement.n_agree, statement.n_disagree, statement.n_pass) == (0, 1, 0)


def test_a_second_tab_cannot_overwrite_a_vote_without_seeing_it() -> None:
    conv = conversation(small_system())
    participant_pass = joined(conv)
    statement = conv.statements.first()
    services.cast_vote(conv, participant_pass, statement.public_id, "agree", key())
    other_tab = services.cast_vote(conv, participant_pass, statement.public_id, "pass", key())
    assert other_tab.replayed and other_tab.value == Vote.Value.AGREE
    assert Vote.objects.get().value == Vote.Value.AGREE


def test_a_vote_writes_its_own_row_and_nothing_else() -> None:
    conv = conversation(small_system())
    participant_pass = joined(conv)
    services.clear_refresh_flag(conv.pk)
    statement = conv.statements.first()
    with CaptureQueriesContext(connection) as queries:
        services.cast_vote(conv, participant_pass, statement.public_id, "agree", key())
    writes = [
        q["sql"].split()[0:3]
        for q in queries.captured_queries
        if q["sql"].startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    # the vote row, and the conversation's "refresh pending" flag (no time, no counter)
    assert writes == [
        ["INSERT", "INTO", '"conversations_vote"'],
        ["UPDATE", '"conversations_conversation"', "SET"],
    ]


def test_tallies_and_priority_are_kept_by_the_worker() -> None:
    conv = conversation(small_system())
    statements = list(conv.statements.order_by("pk"))
    fresh = statements[0].priority
    assert fresh == priority.NEW_STATEMENT_PRIORITY
    for _ in range(6):
        participant_pass = joined(conv)
        services.cast_vote(conv, participant_pass, statements[0].public_id, "pass", key())
        services.cast_vote(conv, participant_pass, statements[1].public_id, "agree", key())
    statements[0].refresh_from_db()
    assert statements[0].n_pass == 0  # a vote request counts nothing
    tasks.refresh(conv.pk)
    passed, agreed, untouched = (Statement.objects.get(pk=s.pk) for s in statements[:3])
    assert (passed.n_pass, agreed.n_agree) == (6, 6)
    assert passed.priority == priority.priority(priority.Candidate(0, 0, 0, 6))
    # Pol.is's order: passed-on statements sink below fresh ones, agreed ones rise above them.
    assert passed.priority < untouched.priority == fresh < agreed.priority
    # Another refresh with nothing new changes nothing.
    assert services.store_tallies(conv.pk) == 0


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the statements signature's lock is PostgreSQL's"
)
def test_the_worker_stores_the_tallies_of_many_statements_in_one_update() -> None:
    # Each UPDATE of statements locks the conversation's row (its statements signature) to the
    # end of the transaction: a second UPDATE after it could deadlock with a moderation.
    conv = conversation(small_system(), seed_statements=[])
    Statement.objects.bulk_create(
        Statement(conversation=conv, text=f"Statement {i}", created_on=conv.created_on, n_agree=1)
        for i in range(1200)
    )
    with CaptureQueriesContext(connection) as queries:
        assert services.store_tallies(conv.pk) == 1200
    updates = [q for q in queries if q["sql"].startswith('UPDATE "conversations_statement"')]
    assert len(updates) == 1


def test_votes_carry_a_day_and_no_finer_time() -> None:
    field_types = {f.name: f.get_internal_type() for f in Vote._meta.get_fields() if f.concrete}
    assert "DateTimeField" not in field_types.values()
    assert field_types["voted_on"] == "DateField"
    for model in (ClarificationRequest, ConversationParticipant, Statement):
        kinds = {f.get_internal_type() for f in model._meta.get_fields() if f.concrete}
        assert "DateTimeField" not in kinds, model


@pytest.mark.parametrize(
    ("choice", "request_key", "message"),
    [
        ("maybe", None, "agree, disagree or pass"),
        ("agree", "short", "expired"),
        ("agree", "x" * 65, "expired"),
        ("agree", "bad key with spaces!!", "expired"),
    ],
)
def test_bad_vote_input_is_refused_kindly(
    choice: str, request_key: str | None, message: str
) -> None:
    conv = conversation(small_system())
    participant_pass = joined(conv)
    statement = conv.statements.first()
    with pytest.raises(services.ConversationError, match=message):
        services.cast_vote(
            conv, participant_pass, statement.public_id, choice, request_key or key()
        )
    assert Vote.objects.count() == 0


def test_unpublished_or_foreign_statements_cannot_be_voted_on() -> None:
    system = small_system()
    conv = conversation(system)
    other = conversation(system)
    participant_pass = joined(conv)
    with pytest.raises(services.ConversationError):
        services.cast_vote(
            conv, participant_pass, other.statements.first().public_id, "agree", key()
        )
    statement = conv.statements.first()
    services.moderate_statement(statement, Statement.Status.REJECTED)
    with pytest.raises(services.ConversationError):
        services.cast_vote(conv, participant_pass, statement.public_id, "agree", key())
    assert Vote.objects.count() == 0


def test_a_pass_from_another_care_system_is_refused() -> None:
    conv = conversation(small_system())
    other = caremap_services.create_care_system("Elsewhere", "elsewhere")
    with pytest.raises(services.ConversationError, match="another care system"):
        services.accept_agreements(conv, caremap_services.open_pass(other))
    assert ConversationParticipant.objects.count() == 0


def test_closed_conversations_take_no_votes() -> None:
    conv = conversation(small_system())
    participant_pass = joined(conv)
    services.set_status(conv, Conversation.Status.CLOSED)
    with pytest.raises(services.ConversationError, match="closed"):
        services.cast_vote(conv, participant_pass, conv.statements.first().public_id, "pass", key())


def test_next_statement_is_one_not_yet_voted_on_until_none_is_left() -> None:
    conv = conversation(small_system())
    participant_pass = joined(conv)
    participant = ConversationParticipant.objects.get()
    seen = set()
    for _ in SEEDS:
        statement = selectors.next_statement(conv, participant)
        assert statement is not None and statement.pk not in seen
        seen.add(statement.pk)
        services.cast_vote(conv, participant_pass, statement.public_id, "pass", key())
    assert selectors.next_statement(conv, participant) is None
    assert selectors.progress(conv, participant).remaining == 0


def test_the_next_statement_query_count_does_not_grow_with_statements() -> None:
    conv = conversation(small_system())
    services.add_seed_statements(conv, [f"Extra statement number {i} here" for i in range(150)])
    joined(conv)
    participant = ConversationParticipant.objects.get()
    with CaptureQueriesContext(connection) as queries:
        assert selectors.next_statement(conv, participant) is not None
    assert len(queries) <= 2


def test_participant_statements_wait_for_moderation_when_moderation_is_before() -> None:
    conv = conversation(small_system(), moderation=Conversation.Moderation.BEFORE)
    participant_pass = joined(conv)
    statement = services.submit_statement(
        conv, participant_pass, "Peer coaches should be paid as professionals."
    )
    assert statement.status == Statement.Status.PENDING
    assert Vote.objects.get(statement=statement).value == Vote.Value.AGREE
    services.moderate_statement(statement, Statement.Status.PUBLISHED)
    statement.refresh_from_db()
    assert statement.status == Statement.Status.PUBLISHED


def test_participant_statements_publish_at_once_when_moderation_is_after() -> None:
    conv = conversation(small_system())
    participant_pass = joined(conv)
    statement = services.submit_statement(
        conv, participant_pass, "We need more time to talk across sectors."
    )
    assert statement.status == Statement.Status.PUBLISHED


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Too short", "at least"),
        ("x " * 200, "280 characters"),
        ("One idea. Two ideas. Three ideas here.", "one idea"),
        ("Email me at sam@example.org about this", "personal details"),
        ("Call 555-123-4567 if you disagree with me", "personal details"),
        ("Mrs. Jones on our team is treated unfairly", "personal details"),
        ("The client named John Smith was turned away", "personal details"),
        ("A patient with DOB 03/04/1985 waited weeks", "personal details"),
    ],
)
def test_statements_that_break_the_guidelines_are_refused_and_nothing_is_written(
    text: str, message: str
) -> None:
    conv = conversation(small_system())
    participant_pass = joined(conv)
    before = Statement.objects.count()
    with pytest.raises(services.ConversationError, match=message):
        services.submit_statement(conv, participant_pass, text)
    assert Statement.objects.count() == before and Vote.objects.count() == 0


def test_a_duplicate_statement_is_refused_kindly() -> None:
    conv = conversation(small_system())
    participant_pass = joined(conv)
    with pytest.raises(services.ConversationError, match="already in the conversation"):
        services.submit_statement(conv, participant_pass, SEEDS[0].upper())


def test_what_do_you_mean_is_asked_once_and_the_clarification_is_shown_to_all() -> None:
    conv = conversation(small_system())
    first, second = joined(conv), joined(conv)
    statement = conv.statements.first()
    services.ask_clarification(conv, first, statement.public_id, "Which paperwork?")
    services.ask_clarification(conv, first, statement.public_id, "Which paperwork?")
    services.ask_clarification(conv, second, statement.public_id)
    assert ClarificationRequest.objects.filter(statement=statement).count() == 2
    assert selectors.questions_for(statement) == ["Which paperwork?"]
    services.clarify_statement(statement, "State reporting forms, mostly.")
    assert [s.text for s in selectors.clarified_statements(conv)] == [statement.text]
    assert selectors.status_counts(conv)["questions"] == 1


def test_questions_with_personal_details_are_refused() -> None:
    conv = conversation(small_system())
    participant_pass = joined(conv)
    with pytest.raises(services.ConversationError, match="personal details"):
        services.ask_clarification(
            conv, participant_pass, conv.statements.first().public_id, "Ask dr. Smith? Mr. Lee"
        )
    assert ClarificationRequest.objects.count() == 0


def test_open_conversations_for_a_pass_respect_invited_sectors() -> None:
    system = small_system()
    everyone = conversation(system)
    treatment_only = services.create_conversation(
        system, "Treatment only", sectors=[system.sectors.get(slug="treatment")]
    )
    closed = conversation(system)
    services.set_status(closed, Conversation.Status.CLOSED)
    other = caremap_services.create_care_system("Elsewhere", "elsewhere")
    conversation(other)
    treatment = caremap_services.open_pass(system, system.sectors.get(slug="treatment"))
    prevention = caremap_services.open_pass(system, system.sectors.get(slug="prevention"))
    no_sector = caremap_services.open_pass(system)
    assert {c.pk for c in selectors.open_conversations_for(treatment)} == {
        everyone.pk,
        treatment_only.pk,
    }
    assert [c.pk for c in selectors.open_conversations_for(prevention)] == [everyone.pk]
    assert [c.pk for c in selectors.open_conversations_for(no_sector)] == [everyone.pk]


def test_votes_mark_results_outdated_and_enqueue_nothing(
    django_capture_on_commit_callbacks,
) -> None:
    from django_tasks_db.models import DBTaskResult

    conv = conversation(small_system())
    participant_pass = joined(conv)
    statements = list(conv.statements.all())
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        for statement in statements[:3]:
            services.cast_vote(conv, participant_pass, statement.public_id, "agree", key())
    assert callbacks == []  # the worker's clock picks the conversation up
    conv.refresh_from_db()
    assert conv.refresh_pending
    assert not DBTaskResult.objects.exists()
    services.clear_refresh_flag(conv.pk)
    with django_capture_on_commit_callbacks(execute=True):
        services.cast_vote(conv, participant_pass, statements[3].public_id, "agree", key())
    conv.refresh_from_db()
    assert conv.refresh_pending and not DBTaskResult.objects.exists()


def test_a_conversation_for_some_sectors_turns_others_away_kindly() -> None:
    system = small_system()
    conv = services.create_conversation(
        system, "Treatment only", sectors=[system.sectors.get(slug="treatment")]
    )
    outsider = caremap_services.open_pass(system, system.sectors.get(slug="prevention"))
    with pytest.raises(services.ConversationError, match="Treatment"):
        services.accept_agreements(conv, outsider)
    assert ConversationParticipant.objects.count() == 0
    joined(conv, "treatment")
    assert ConversationParticipant.objects.count() == 1


def test_pasted_seeds_with_a_bad_line_save_nothing_and_name_every_bad_line() -> None:
    conv = conversation(small_system())
    before = conv.statements.count()
    lines = ["A good new statement about our supervision.", "Tiny", "Email me: a@b.org please"]
    with pytest.raises(services.SeedLinesError) as caught:
        services.add_seed_statements(conv, lines)
    assert [p.number for p in caught.value.lines] == [2, 3]
    assert conv.statements.count() == before
    assert (
        not ModerationDecision.objects.filter(conversation=conv, decision="seeded")
        .exclude(statement__text__in=SEEDS)
        .exists()
    )


def test_pasted_seeds_keep_the_good_lines_only_when_asked() -> None:
    conv = conversation(small_system())
    before = conv.statements.count()
    outcome = services.add_seed_statements(
        conv,
        ["A good new statement about our supervision.", "Tiny", SEEDS[0].upper()],
        keep_good=True,
        role="steward",
    )
    assert (outcome.added, outcome.already_there) == (1, 1)
    assert [p.number for p in outcome.left_out] == [2]
    assert conv.statements.count() == before + 1
    added = conv.statements.get(text="A good new statement about our supervision.")
    decision = ModerationDecision.objects.get(statement=added)
    assert (decision.decision, decision.role) == ("seeded", "steward")
    with pytest.raises(services.ConversationError, match="None of the lines"):
        services.add_seed_statements(conv, ["Tiny"], keep_good=True)


def test_moderation_decisions_are_logged_by_role_and_day_never_by_author() -> None:
    conv = conversation(small_system(), moderation=Conversation.Moderation.BEFORE)
    participant_pass = joined(conv)
    statement = services.submit_statement(
        conv, participant_pass, "We need more time for handovers between shifts."
    )
    services.moderate_statement(statement, Statement.Status.PUBLISHED, role="facilitator")
    services.clarify_statement(statement, "Handovers between day and night staff.")
    services.moderate_statement(statement, Statement.Status.REJECTED, role="steward")
    with pytest.raises(services.ConversationError, match="Unknown role"):
        services.moderate_statement(statement, Statement.Status.PUBLISHED, role="alice")
    statement.refresh_from_db()
    assert statement.status == Statement.Status.REJECTED  # the refused decision changed nothing
    rows = [r for r in selectors.moderation_log(conv) if r[1] == statement.public_id]
    assert sorted((r[4], r[5]) for r in rows) == [
        ("clarified", "facilitator"),
        ("published", "facilitator"),
        ("rejected", "steward"),
    ]
    assert all(r[0] == statement.created_on.isoformat() and r[3] == "no" for r in rows)
    field_names = {f.name for f in ModerationDecision._meta.get_fields()}
    assert field_names == {"id", "conversation", "statement", "decision", "role", "decided_on"}


def test_a_moderation_policy_too_long_is_refused_and_the_old_one_kept() -> None:
    conv = conversation(small_system(), moderation_policy="We take down names.")
    with pytest.raises(services.ConversationError, match="2000 characters"):
        services.set_moderation_policy(conv, "x" * 2001)
    conv.refresh_from_db()
    assert conv.moderation_policy == "We take down names."
    services.set_moderation_policy(conv, "  We take down names and insults.  ")
    conv.refresh_from_db()
    assert conv.moderation_policy == "We take down names and insults."


# --- topics --------------------------------------------------------------------------------


def _topic_system(slug: str = "testland"):
    """A care system with the three themes: housing and burnout as statements, paperwork as
    backlog issues (a statement and an issue can share a topic)."""
    from walkthetalk.agenda import services as agenda_services  # noqa: PLC0415

    system = small_system(slug)
    conv = conversation(system, seed_statements=TOPIC_THEMES["housing"] + TOPIC_THEMES["burnout"])
    for text in TOPIC_THEMES["paperwork"][:5]:
        agenda_services.add_issue(system, text)
    conv.statements.create(text=TOPIC_THEMES["paperwork"][5], created_on=conv.created_on)
    return system, conv


def _by_theme(system) -> dict[str, Topic]:
    out = {}
    for topic in Topic.objects.filter(care_system=system):
        texts = list(topic.statements.values_list("text", flat=True))
        for theme, members in TOPIC_THEMES.items():
            if set(texts) & set(members) or theme in topic.terms:
                out.setdefault(theme, topic)
    return out


def test_topics_group_statements_and_backlog_issues_by_theme() -> None:
    system, conv = _topic_system()
    assert tasks.refresh_topics_of(system) == 3
    themes = _by_theme(system)
    housing = set(themes["housing"].statements.values_list("text", flat=True))
    assert housing == set(TOPIC_THEMES["housing"])
    burnout = set(themes["burnout"].statements.values_list("text", flat=True))
    assert burnout == set(TOPIC_THEMES["burnout"])
    paperwork = themes["paperwork"]
    assert len(paperwork.issue_ids) == 5
    assert list(paperwork.statements.values_list("text", flat=True)) == [
        TOPIC_THEMES["paperwork"][5]
    ]
    topic_set = TopicSet.objects.get(care_system=system)
    assert topic_set.reason == "" and set(topic_set.stability) >= {"2", "3"}
    # Nothing changed since: the worker's round does not find them again.
    assert tasks.refresh_topics_of(system) is None


def test_a_pending_statement_is_in_no_topic_and_lends_no_word() -> None:
    system, conv = _topic_system()
    conv.statements.create(
        text="Zebras zebras zoning zebras.",
        created_on=conv.created_on,
        status=Statement.Status.PENDING,
    )
    tasks.refresh_topics_of(system)
    for topic in Topic.objects.filter(care_system=system):
        assert not {"zebras", "zoning"} & set(topic.terms)
        assert not topic.statements.filter(status=Statement.Status.PENDING).exists()


def test_renamed_and_merged_topics_stay_so_when_found_again() -> None:
    system, conv = _topic_system()
    tasks.refresh_topics_of(system)
    themes = _by_theme(system)
    services.rename_topic(themes["housing"], "  Somewhere   to live ")
    merged = services.merge_topics(themes["burnout"], themes["paperwork"])
    assert merged.name == themes["burnout"].name and merged.renamed
    assert Topic.objects.filter(care_system=system).count() == 2
    # A new statement changes the texts: the worker finds topics again and keeps both edits.
    conv.statements.create(
        text="Housing costs and rent push staff out too.", created_on=conv.created_on
    )
    assert tasks.refresh_topics_of(system) == 2
    names = set(Topic.objects.filter(care_system=system).values_list("name", flat=True))
    assert "Somewhere to live" in names and merged.name in names
    kept = Topic.objects.get(care_system=system, name=merged.name)
    assert len(kept.issue_ids) == 5
    texts = set(kept.statements.values_list("text", flat=True))
    assert texts >= {*TOPIC_THEMES["burnout"], TOPIC_THEMES["paperwork"][5]}


def test_a_bad_topic_rename_or_merge_changes_nothing() -> None:
    system, _ = _topic_system()
    tasks.refresh_topics_of(system)
    topic = Topic.objects.filter(care_system=system).first()
    before = topic.name
    for bad in ("   ", "x" * 121):
        with pytest.raises(services.TopicError):
            services.rename_topic(topic, bad)
        topic.refresh_from_db()
        assert topic.name == before and not topic.renamed
    with pytest.raises(services.TopicError):
        services.merge_topics(topic, topic)
    other_system, _ = _topic_system("elsewhere")
    tasks.refresh_topics_of(other_system)
    with pytest.raises(services.TopicError):
        services.merge_topics(topic, Topic.objects.filter(care_system=other_system).first())
    assert Topic.objects.filter(care_system=system).count() == 3


def test_too_few_texts_keep_no_topics_and_say_why() -> None:
    system = small_system()
    conversation(system, seed_statements=SEEDS[:3])
    assert tasks.refresh_topics_of(system) == 0
    assert "at least 6 texts" in TopicSet.objects.get(care_system=system).reason
