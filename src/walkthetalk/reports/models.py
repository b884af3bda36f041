"""Report links: a conversation report a facilitator has published at an unguessable address.

Only the SHA-256 of the link's token is kept (the token carries 144 random bits, see
:mod:`walkthetalk.caremap.tokens`), so the database alone cannot open the report; revoking a
link deletes its row and the address stops working at once.
"""

from __future__ import annotations

from django.db import models


class ReportLink(models.Model):
    conversation = models.OneToOneField(
        "conversations.Conversation", on_delete=models.CASCADE, related_name="report_link"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    made_on = models.DateField()

    def __str__(self) -> str:
        return f"Published report of conversation {self.conversation_id}"
