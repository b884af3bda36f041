"""A conversation's statements signature: a random 64-bit value that PostgreSQL sets again, by
triggers on the statement table, for every conversation whose statements an ``INSERT``,
``UPDATE``, ``DELETE`` or ``TRUNCATE`` touched (the old and the new conversation of a moved
row). A process keeps a conversation's published statements with the signature it read them
with, and reads them again only when the signature it reads with the voter differs
(``vote_queries.fetch_voter_with_cards``).

Random, not a counter: a value set again is never one a running process may have kept for
other rows (a restored backup, a rolled-back change, a conversation id used again all bring
values of their own). Statement-level triggers with transition tables, one per event
(PostgreSQL allows transition tables on a trigger of one event only; none on ``TRUNCATE``,
which sets every conversation's). SQLite: the column exists and is unused (its vote card is
read with each vote). The table and column names are written out as they are at this
migration: a later migration that renames one must replace the function.
"""

from django.db import migrations, models

import walkthetalk.conversations.models

RANDOM = "('x' || left(md5(gen_random_uuid()::text), 16))::bit(64)::bigint"

FUNCTION = f"""
CREATE OR REPLACE FUNCTION conversations_statements_changed() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE conversations_conversation SET statements_signature = {RANDOM}
        WHERE id IN (SELECT conversation_id FROM new_rows);
    ELSIF TG_OP = 'UPDATE' THEN
        UPDATE conversations_conversation SET statements_signature = {RANDOM}
        WHERE id IN (SELECT conversation_id FROM old_rows
                     UNION SELECT conversation_id FROM new_rows);
    ELSIF TG_OP = 'DELETE' THEN
        UPDATE conversations_conversation SET statements_signature = {RANDOM}
        WHERE id IN (SELECT conversation_id FROM old_rows);
    ELSE
        UPDATE conversations_conversation SET statements_signature = {RANDOM};
    END IF;
    RETURN NULL;
END
$$
"""

TRIGGERS = [
    "CREATE TRIGGER conversations_statements_inserted AFTER INSERT ON conversations_statement "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION conversations_statements_changed()",
    "CREATE TRIGGER conversations_statements_updated AFTER UPDATE ON conversations_statement "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION conversations_statements_changed()",
    "CREATE TRIGGER conversations_statements_deleted AFTER DELETE ON conversations_statement "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION conversations_statements_changed()",
    "CREATE TRIGGER conversations_statements_truncated AFTER TRUNCATE ON conversations_statement "
    "FOR EACH STATEMENT EXECUTE FUNCTION conversations_statements_changed()",
]

DROP = [
    "DROP TRIGGER IF EXISTS conversations_statements_inserted ON conversations_statement",
    "DROP TRIGGER IF EXISTS conversations_statements_updated ON conversations_statement",
    "DROP TRIGGER IF EXISTS conversations_statements_deleted ON conversations_statement",
    "DROP TRIGGER IF EXISTS conversations_statements_truncated ON conversations_statement",
    "DROP FUNCTION IF EXISTS conversations_statements_changed()",
]


def _create(apps, schema_editor):  # type: ignore[no-untyped-def]
    # AddField gave every existing conversation the same value: one of its own each (SQLite's
    # random() is a random signed 64-bit integer).
    postgresql = schema_editor.connection.vendor == "postgresql"
    random = RANDOM if postgresql else "random()"
    schema_editor.execute(f"UPDATE conversations_conversation SET statements_signature = {random}")
    if not postgresql:
        return
    schema_editor.execute(FUNCTION)
    for sql in TRIGGERS:
        schema_editor.execute(sql)


def _drop(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        for sql in DROP:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0011_record_vote_procedure"),
    ]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="statements_signature",
            field=models.BigIntegerField(
                default=walkthetalk.conversations.models.new_statements_signature, editable=False
            ),
        ),
        migrations.RunPython(_create, _drop),
    ]
