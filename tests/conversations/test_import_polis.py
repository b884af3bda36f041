"""Importing a Pol.is export as a new conversation: the command and the upload form."""

from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import Client

from walkthetalk.caremap import services as caremap_services
from walkthetalk.conversations import tasks
from walkthetalk.conversations.models import (
    Conversation,
    ConversationParticipant,
    ConversationResult,
    Statement,
    Vote,
)

from ..caremap.factories import small_system
from .factories import write_export

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


def test_import_polis_upload_form(tmp_path: Path) -> None:
    system = small_system()
    folder = write_export(tmp_path / "export")
    user = get_user_model().objects.create_user("fac", password="a-long-staff-password")
    caremap_services.grant_role(user, system, "facilitator")
    client = Client()
    client.force_login(user)
    url = f"/conversations/import/{system.slug}/"
    assert b"comments.csv" in client.get(url).content
    only_comments = client.post(
        url,
        {"comments": SimpleUploadedFile("comments.csv", (folder / "comments.csv").read_bytes())},
    )
    assert only_comments.status_code == 400 and b"votes.csv" in only_comments.content
    bad = client.post(
        url,
        {
            "comments": SimpleUploadedFile("c.csv", b"nonsense\n"),
            "votes": SimpleUploadedFile("v.csv", (folder / "votes.csv").read_bytes()),
        },
    )
    assert bad.status_code == 400 and b"could not be read" in bad.content
    assert Conversation.objects.count() == 0
    ok = client.post(
        url,
        {
            "title": "Our 2024 Pol.is round",
            "comments": SimpleUploadedFile("a.csv", (folder / "comments.csv").read_bytes()),
            "votes": SimpleUploadedFile("b.csv", (folder / "votes.csv").read_bytes()),
        },
    )
    conv = Conversation.objects.get()
    assert conv.title == "Our 2024 Pol.is round"
    assert ok["Location"].endswith(f"/conversations/{conv.public_id}/manage/results/")
    assert Vote.objects.count() == 120


def test_import_needs_a_facilitator_or_steward(tmp_path: Path) -> None:
    system = small_system()
    user = get_user_model().objects.create_user("lead", password="a-long-staff-password")
    caremap_services.grant_role(user, system, "leader")
    client = Client()
    client.force_login(user)
    assert client.get(f"/conversations/import/{system.slug}/").status_code == 403
