"""The caremap part of the HTTP API (django-ninja), mounted under /api/caremap/."""

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.security import django_auth

from walkthetalk.caremap.access import access_care_system

router = Router(tags=["caremap"], auth=django_auth)


class UnitOut(Schema):
    id: int
    name: str
    kind: str
    parent_id: int | None
    sector: str | None


class CareMapOut(Schema):
    name: str
    slug: str
    min_group_size: int
    levels: list[str]
    sectors: list[str]
    units: list[UnitOut]


@router.get("/{slug}", response=CareMapOut)
def care_map(request: HttpRequest, slug: str) -> CareMapOut:
    system = access_care_system(request.user, slug)
    units = system.units.select_related("sector")
    return CareMapOut(
        name=system.name,
        slug=system.slug,
        min_group_size=system.min_group_size,
        levels=[level.name for level in system.levels.all()],
        sectors=[sector.slug for sector in system.sectors.all()],
        units=[
            UnitOut(
                id=u.pk,
                name=u.name,
                kind=u.get_kind_display().lower(),
                parent_id=u.parent_id,
                sector=u.sector.slug if u.sector else None,
            )
            for u in units
        ],
    )
