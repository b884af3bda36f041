"""The HTTP API under /api/: each app's django-ninja router, with a generated OpenAPI schema."""

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from walkthetalk.agenda.api import router as agenda_router
from walkthetalk.caremap.api import router as caremap_router
from walkthetalk.caremap.errors import ServiceError
from walkthetalk.messenger.api import router as messenger_router
from walkthetalk.pulse.api import router as pulse_router
from walkthetalk.reports.api import conversations_router as conversation_reports_router
from walkthetalk.reports.api import pulse_router as pulse_reports_router

api = NinjaAPI(title="Walk the Talk API", version="1", urls_namespace="api")
api.add_router("/caremap/", caremap_router)
api.add_router("/pulse/", pulse_router)
api.add_router("/pulse/", pulse_reports_router)
api.add_router("/conversations/", conversation_reports_router)
api.add_router("/agenda/", agenda_router)
api.add_router("/messenger/", messenger_router)


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    """An access funnel refused: 403 with its message."""
    detail = str(exc) or "You do not have the role needed in this care system."
    return api.create_response(request, {"detail": detail}, status=403)


@api.exception_handler(ServiceError)
def service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    """A business rule refused the request: its message, with status 400."""
    return api.create_response(request, {"detail": str(exc)}, status=exc.status)
