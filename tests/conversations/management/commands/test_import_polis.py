"""Importing a Pol.is export as a new conversation: the command and the upload form."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from walkthetalk.conversations import tasks
from walkthetalk.conversations.models import (
    Conversation,
    ConversationParticipant,
    ConversationResult,
    Statement,
    Vote,
)

from ....caremap.factories import small_system
from ...factories import write_export

pytestmark = pytest.mark.django_db


def test_import_polis_command_makes_a_closed_conversation(tmp_path: Path) -> None:
    system = small_system()
    folder = write_export(tmp_path / "export")
    out = StringIO()
    call_command("import_polis", str(folder), "--care-system", system.slug, stdout=out)
    conv = Conversation.objects.get()
    assert "6 statements, 20 participants" in out.getvalue()
    assert conv.status == Conversation.Status.CLOSED and not conv.open_link
    assert conv.statements.filter(status="published").count() == 5
    assert conv.statements.get(polis_id="5").status == Statement.Status.REJECTED
    assert ConversationParticipant.objects.filter(conversation=conv, imported=True).count() == 20
    keys = set(ConversationParticipant.objects.values_list("key", flat=True))
    assert len(keys) == 20 and all(len(k) == 64 for k in keys)  # random, one each
    assert {p.sector.slug for p in ConversationParticipant.objects.all()} == {
        "treatment",
        "prevention",
    }
    assert Vote.objects.filter(conversation=conv).count() == 20 * 6
    first = conv.statements.get(polis_id="0")
    assert first.n_agree + first.n_disagree + first.n_pass == 20
    assert tasks.refresh(conv.pk) == ConversationResult.State.READY


def test_import_polis_command_refuses_bad_input_and_writes_nothing(tmp_path: Path) -> None:
    small_system()
    folder = write_export(tmp_path / "export")
    with pytest.raises(CommandError, match="No care system"):
        call_command("import_polis", str(folder), "--care-system", "nowhere")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "comments.csv").write_text("comment-id,moderated\n0,1\n")
    (broken / "votes.csv").write_text("timestamp,comment-id,voter-id,vote\n1,0,0,maybe\n")
    with pytest.raises(CommandError, match=r"votes\.csv, line 2"):
        call_command("import_polis", str(broken), "--care-system", "testland")
    with pytest.raises(CommandError, match="not a folder"):
        call_command("import_polis", str(tmp_path / "missing"), "--care-system", "testland")
    assert Conversation.objects.count() == 0 and Vote.objects.count() == 0
