"""The HTTP API: generated OpenAPI schema, staff-only care map."""

import pytest
from django.contrib.auth import get_user_model

from walkthetalk.caremap import services

from ..caremap.factories import small_system

pytestmark = pytest.mark.django_db


def test_openapi_schema_is_generated(client) -> None:
    schema = client.get("/api/openapi.json").json()
    assert "/api/caremap/{slug}" in schema["paths"]


def test_care_map_needs_a_role(client) -> None:
    system = small_system()
    assert client.get(f"/api/caremap/{system.slug}").status_code == 401
    outsider = get_user_model().objects.create_user("out", password="a-long-staff-password")
    client.force_login(outsider)
    assert client.get(f"/api/caremap/{system.slug}").status_code == 403
    services.grant_role(outsider, system, "facilitator")
    body = client.get(f"/api/caremap/{system.slug}").json()
    assert body["slug"] == "testland" and len(body["units"]) == 4
    assert {u["kind"] for u in body["units"]} == {"agency", "organization", "program", "team"}
