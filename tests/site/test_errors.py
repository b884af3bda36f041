"""One error base class: every app's refusals are ServiceErrors, shown the same way everywhere."""

import pytest
from django.test import RequestFactory

from walkthetalk.agenda.services import AgendaError
from walkthetalk.caremap.errors import ServiceError
from walkthetalk.caremap.mapfile import MapFileError
from walkthetalk.caremap.services import CareMapError, InvitationError
from walkthetalk.conversations.services import ConversationError
from walkthetalk.messenger.services import MessengerError
from walkthetalk.pulse.services import PulseError
from walkthetalk.site.errors import ServiceErrorMiddleware

from ..caremap.factories import small_system, staff_client


@pytest.mark.parametrize(
    "error",
    [
        AgendaError,
        CareMapError,
        ConversationError,
        InvitationError,
        MapFileError,
        MessengerError,
        PulseError,
    ],
)
def test_every_apps_error_is_a_service_error(error: type[Exception]) -> None:
    assert issubclass(error, ServiceError)


@pytest.mark.django_db
def test_a_refusal_that_escapes_a_view_is_a_kind_400_page() -> None:
    middleware = ServiceErrorMiddleware(lambda request: None)  # type: ignore[arg-type,return-value]
    request = RequestFactory().get("/")
    page = middleware.process_exception(request, PulseError("This wave is closed."))
    assert page is not None and page.status_code == 400
    assert "This wave is closed." in page.content.decode()
    assert middleware.process_exception(request, KeyError("x")) is None


@pytest.mark.django_db
def test_the_api_answers_a_funnels_refusal_with_403_and_its_message() -> None:
    system = small_system()
    client = staff_client(system, "leader")
    refused = client.get(f"/api/agenda/{system.slug}/backlog")
    assert refused.status_code == 403
    assert refused.json() == {"detail": "You do not have the role needed in this care system."}
    assert client.get("/api/pulse/no-such-system/waves").status_code == 404
