"""Publishing a conversation report at an unguessable link, and withdrawing it."""

import pytest
from django.test import Client

from walkthetalk.caremap.tokens import token_hash
from walkthetalk.reports import selectors, services
from walkthetalk.reports.models import ReportLink

from ..caremap.factories import small_system, staff_client
from ..conversations.factories import conversation, facilitator_client, with_results

pytestmark = pytest.mark.django_db


def test_a_published_link_opens_the_report_until_it_is_withdrawn() -> None:
    conv = conversation(small_system())
    with_results(conv)
    token = services.publish_report(conv)
    assert len(token) >= 24
    stored = ReportLink.objects.get(conversation=conv)
    assert stored.token_hash == token_hash(token) and token not in stored.token_hash
    page = Client().get(f"/reports/shared/{token}/")
    assert page.status_code == 200
    body = page.content.decode()
    assert conv.title in body and "Opinion groups" in body and "Common ground" in body
    assert page["Referrer-Policy"] == "same-origin"  # the link never reaches another site
    pdf = Client().get(f"/reports/shared/{token}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")

    newer = services.publish_report(conv)
    assert Client().get(f"/reports/shared/{token}/").status_code == 404
    assert Client().get(f"/reports/shared/{newer}/").status_code == 200
    assert services.revoke_report(conv)
    assert Client().get(f"/reports/shared/{newer}/").status_code == 404
    assert Client().get(f"/reports/shared/{newer}/report.pdf").status_code == 404
    assert not services.revoke_report(conv)


@pytest.mark.parametrize("token", ["x", "a" * 24, "a" * 500])
def test_a_wrong_or_oversized_token_opens_nothing(token: str) -> None:
    conv = conversation(small_system())
    services.publish_report(conv)
    assert selectors.shared_conversation(token) is None
    assert Client().get(f"/reports/shared/{token}/").status_code == 404


def test_a_facilitator_publishes_and_withdraws_from_the_results_page() -> None:
    conv = conversation(small_system())
    with_results(conv)
    client = facilitator_client(conv)
    share = f"/conversations/{conv.public_id}/manage/results/share/"
    response = client.post(share, {"action": "publish"}, follow=True)
    body = response.content.decode()
    assert "shown only this once" in body and "Withdraw the link" in body
    link = ReportLink.objects.get(conversation=conv)
    client.post(share, {"action": "revoke"})
    assert not ReportLink.objects.filter(pk=link.pk).exists()


def test_only_a_facilitator_may_publish() -> None:
    system = small_system()
    conv = conversation(system)
    share = f"/conversations/{conv.public_id}/manage/results/share/"
    assert staff_client(system, "leader").post(share, {"action": "publish"}).status_code == 403
    assert Client().post(share, {"action": "publish"}).status_code == 302
    assert not ReportLink.objects.exists()
