"""The HTTP API under /api/: each app's django-ninja router, with a generated OpenAPI schema."""

from ninja import NinjaAPI

from walkthetalk.agenda.api import router as agenda_router
from walkthetalk.caremap.api import router as caremap_router
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
