"""PostgreSQL only: the procedure that stores a vote and then flags its conversation for a
refresh, as two transactions in one round trip (``vote_queries.store_vote``). Elsewhere this
migration does nothing.

The procedure runs :func:`~walkthetalk.conversations.vote_queries.upsert_vote`'s statement,
commits it, and only then runs :func:`~walkthetalk.conversations.vote_queries.flag_refresh`'s
conditional ``UPDATE`` in a transaction of its own, when the vote wrote a row: the order that
keeps every vote in a refresh (see ``flag_refresh``). ``written`` is the upsert's row count.
A ``COMMIT`` inside a procedure is allowed only when ``CALL`` runs outside a transaction block
(autocommit), which is how ``store_vote`` calls it; inside one it keeps the two statements.
The table and column names are written out as they are at this migration: a later migration
that renames one must replace the procedure.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE PROCEDURE conversations_record_vote(
    vote_id uuid,
    conversation bigint,
    participant uuid,
    vote_value smallint,
    on_day date,
    vote_key varchar,
    statement_public_id varchar,
    published varchar,
    replaces varchar,
    INOUT written integer DEFAULT 0
)
LANGUAGE plpgsql
AS $$
BEGIN
    INSERT INTO conversations_vote
        (id, conversation_id, participant_id, statement_id, value, voted_on, request_key)
    SELECT vote_id, conversation, participant, s.id, vote_value, on_day, vote_key
    FROM conversations_statement s
    WHERE s.conversation_id = conversation
        AND s.public_id = statement_public_id
        AND s.status = published
    ON CONFLICT (conversation_id, participant_id, statement_id)
    DO UPDATE SET value = excluded.value, voted_on = excluded.voted_on,
        request_key = excluded.request_key
    WHERE conversations_vote.request_key = replaces
        AND conversations_vote.request_key <> excluded.request_key;
    GET DIAGNOSTICS written = ROW_COUNT;
    IF written > 0 THEN
        COMMIT;
        UPDATE conversations_conversation SET refresh_pending = true
        WHERE id = conversation AND refresh_pending = false;
    END IF;
END
$$
"""

DROP = "DROP PROCEDURE IF EXISTS conversations_record_vote"


def _create(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def _drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0010_vote_conversation_no_own_index"),
    ]

    operations = [migrations.RunPython(_create, _drop)]
