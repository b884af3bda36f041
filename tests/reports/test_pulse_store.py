"""Pulse figures stored once per release state, charts as files of their own, % favourable with
its change since the last wave, and filtering and drilling from the whole system to a team."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse

from walkthetalk.caremap import services as caremap_services
from walkthetalk.pulse import services
from walkthetalk.reports import pulse, pulse_charts, pulse_store, tasks
from walkthetalk.reports.templatetags.report_tags import points

from ..caremap.factories import small_system
from ..pulse.factories import level, past_wave, respond, unit

pytestmark = pytest.mark.django_db

MIXED = (4, 5, 2, 3, 4, 2, 5, 1)


@pytest.fixture
def system():
    return small_system()


def _staff(system, role: str | None = "leader", name: str = "lee") -> Client:
    user = get_user_model().objects.create_user(name, password="a-long-staff-password")
    if role:
        caremap_services.grant_role(user, system, role)
    client = Client()
    client.force_login(user)
    return client


def _wave(system, title: str = "Spring pulse"):
    wave = services.open_wave(system, title, [unit(system, "Riverbend Recovery")])
    team = unit(system, "Riverbend Day Team")
    for value in MIXED:
        respond(wave, 1, unit=team, level=level(system), value=value)
    return wave


@pytest.fixture
def computed(monkeypatch):
    """Counts how often the dashboard's figures are computed."""
    calls: list[int] = []
    real = pulse.dashboard

    def counting(wave, *args, **kwargs):
        calls.append(wave.pk)
        return real(wave, *args, **kwargs)

    monkeypatch.setattr(pulse, "dashboard", counting)
    return calls


def _url(system, wave, **query) -> str:
    base = reverse("pulse:dashboard", args=[system.slug, wave.pk])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_figures_are_computed_once_per_release_state(system, computed) -> None:
    wave = _wave(system)
    client = _staff(system)
    for _ in range(3):
        page = client.get(_url(system, wave))
        assert page.status_code == 200 and 'id="since-last-update"' not in page.content.decode()
    assert computed == [wave.pk]  # nothing stored yet: the first view computes, then reads
    respond(wave, 1, unit=unit(system, "Riverbend Day Team"), level=level(system), value=3)
    page = client.get(_url(system, wave)).content.decode()
    # A new answer: the page shows the figures already released and says a newer update comes;
    # it does not plan a release itself (that would cost a second of server time per view).
    assert computed == [wave.pk] and 'id="since-last-update"' in page
    assert "Responses: 8." in page
    assert tasks.refresh_all() == 1 and len(computed) == 2  # the worker's round computes them
    page = client.get(_url(system, wave)).content.decode()
    assert 'id="since-last-update"' not in page
    services.close_wave(wave)
    assert 'id="since-last-update"' in client.get(_url(system, wave)).content.decode()
    assert len(computed) == 2
    assert tasks.refresh_all() == 1 and tasks.refresh_all() == 0  # closing: once, by the worker
    assert 'id="since-last-update"' not in client.get(_url(system, wave)).content.decode()
    assert len(computed) == 3


def test_the_worker_computes_the_figures_so_a_page_reads_them(
    system, computed, monkeypatch
) -> None:
    drawn: list[str] = []
    for name in ("heatmap_svg", "units_svg", "trend_svg"):
        real = getattr(pulse_charts, name)
        monkeypatch.setattr(
            pulse_charts, name, lambda *a, _real=real, _n=name: drawn.append(_n) or _real(*a)
        )
    past_wave(system, "Autumn pulse", unit(system, "Riverbend Day Team"), {4: 4}, days=(120, 90))
    assert tasks.refresh_all() == 1
    assert sorted(drawn) == ["heatmap_svg", "units_svg"]  # charts drawn ahead (no trend yet)
    drawn.clear()
    wave = _wave(system)
    assert tasks.refresh_all() == 1
    assert sorted(drawn) == ["heatmap_svg", "trend_svg", "units_svg"]
    assert tasks.refresh_all() == 0  # nothing changed: nothing computed again
    computed.clear()
    client = _staff(system)
    page = client.get(_url(system, wave))
    assert page.status_code == 200 and computed == []
    # nor do its charts, which name the default healthy way in their addresses
    # and their first view draws nothing: the worker drew them
    charts = re.findall(r'<img src="([^"]+)"', page.content.decode())
    assert len(charts) == 3
    for src in charts:
        assert client.get(src.replace("&amp;", "&")).status_code == 200
    assert computed == [] and len(drawn) == 3
    assert "% favourable" in page.content.decode()


def test_a_figure_released_elsewhere_makes_a_new_state(system) -> None:
    wave = _wave(system)
    _, before = pulse_store.dashboard(wave)
    assert pulse_store.dashboard(wave)[1] == before
    wave.refresh_from_db()
    services.release(wave, [])  # nothing new: the ledger and the state stay
    assert pulse_store.state(wave) == before
    wave.release_ledger = {**wave.release_ledger, "extra": 1}
    wave.save(update_fields=["release_ledger"])
    assert pulse_store.state(wave) != before


def test_charts_are_cacheable_svg_files_behind_the_same_access_check(system) -> None:
    wave = _wave(system)
    client = _staff(system)
    page = client.get(_url(system, wave)).content.decode()
    assert "data:image" not in page
    srcs = [s.replace("&amp;", "&") for s in re.findall(r'<img src="([^"]+)"', page)]
    assert any("/charts/heatmap.svg?" in s for s in srcs)
    assert any("/charts/units.svg?" in s for s in srcs)
    for src in srcs:
        chart = client.get(src)
        assert chart.status_code == 200 and chart["Content-Type"] == "image/svg+xml"
        assert chart["Cache-Control"] == "private, no-cache" and chart["ETag"]
        svg = chart.content.decode()
        sizes = [float(s) for s in re.findall(r"font-size: ([\d.]+)px", svg)]
        assert sizes and min(sizes) >= 10.5  # ~11 px on a phone, never 5
        again = client.get(src, HTTP_IF_NONE_MATCH=chart["ETag"])
        assert again.status_code == 304 and not again.content
    heatmap = next(s for s in srcs if "heatmap" in s)
    assert _staff(system, None, "nobody").get(heatmap).status_code in (403, 404)
    assert Client().get(heatmap).status_code == 302  # to sign in
    bad = reverse("pulse:dashboard_chart", args=[system.slug, wave.pk, "pie"])
    assert client.get(bad).status_code == 404
    # a new answer moves the state; the chart (like the page) stays the last released one
    # until the worker's round, whose figures no longer match the old ETag
    etag = client.get(heatmap)["ETag"]
    respond(wave, 1, unit=unit(system, "Riverbend Day Team"), level=level(system), value=3)
    assert client.get(heatmap, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert tasks.refresh_all() == 1
    assert client.get(heatmap, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_the_page_leads_with_favourable_and_the_change_with_its_interval(system) -> None:
    team = unit(system, "Riverbend Day Team")
    past_wave(system, "Autumn pulse", team, {4: 2, 2: 6}, days=(120, 90))
    wave = _wave(system)
    d, _ = pulse_store.dashboard(wave)
    talk = d.favourable["total"]["talk"]
    assert (talk.k, talk.n) == (4, 8)
    change = d.favourable_changes["total"]["talk"]
    assert change.difference == pytest.approx(4 / 8 - 2 / 8)
    html = _staff(system).get(_url(system, wave)).content.decode()
    lead = html[html.index('id="lead-h"') : html.index('id="heat-h"')]
    assert "50%" in lead and "+25 points" in lead
    assert f"({points(change.ci_low)} to {points(change.ci_high)})" in lead
    assert points(-0.001) == "0 points" and points(-0.12) == "−12 points"
    assert "could be chance" in lead  # 2 of 8 to 4 of 8 is no clear change
    assert "Strengths we draw on" not in lead  # a count has no favourable share
    # the units one level down carry their own change, where both waves showed them
    org = d.group(f"unit:{unit(system, 'Riverbend Recovery').pk}")
    assert org is not None
    org_change = d.favourable_changes[org.key]["talk"]
    by_unit = html[html.index('id="drill-h"') : html.index('id="heat-h"')]
    assert f"{points(org_change.difference)} ({points(org_change.ci_low)}" in by_unit
    # and each level's cell carries its own change (the heatmap's table)
    cell = d.favourable_changes["level:Direct care"]["talk"]
    levels = html[html.index('aria-label="Table of % favourable by level"') :]
    assert f"{points(cell.difference)} ({points(cell.ci_low)} to {points(cell.ci_high)})" in levels
    assert 'class="what-this-means"' in html
    for anchor in ("favourable", "interval", "change", "strain"):
        assert f'href="/glossary/#{anchor}"' in html
    for jargon in ("shrunken", "Profile correlation", "imaginary"):
        assert jargon not in html
    assert lead.index("% favourable") < html.index("Mean score by healthy way and level")


def test_filter_by_unit_and_sector_and_drill_from_the_system_to_a_team(system) -> None:
    wave = _wave(system)
    program = unit(system, "Riverbend Outpatient")
    for value in MIXED:
        respond(wave, 1, unit=program, level=level(system, "Supervisors"), value=value)
    client = _staff(system)
    top = client.get(_url(system, wave)).content.decode()
    org = unit(system, "Riverbend Recovery")
    assert f'href="?unit={org.pk}&amp;scale=' in top  # drill down from the system
    assert 'href="?sector=treatment' in top
    html = client.get(_url(system, wave, unit=program.pk)).content.decode()
    assert '<span aria-current="page">Riverbend Outpatient</span>' in html
    assert f'href="?unit={org.pk}&amp;scale=' in html  # back up the path
    team = unit(system, "Riverbend Day Team")
    assert f'href="?unit={team.pk}&amp;scale=' in html  # and on down to the team
    leaf = client.get(_url(system, wave, unit=team.pk)).content.decode()
    assert "Riverbend Day Team" in leaf and "No unit below this one can be shown." in leaf
    sector = client.get(_url(system, wave, sector="treatment")).content.decode()
    assert "Sector: Treatment" in sector and "% favourable" in sector
    assert client.get(_url(system, wave, unit=999999)).status_code == 404
    assert client.get(_url(system, wave, sector="no-such")).status_code == 404


def test_a_small_unit_is_never_named_and_the_page_says_why_some_are_missing(system) -> None:
    wave = _wave(system)
    respond(wave, 2, unit=unit(system, "Riverbend Outpatient"), level=level(system))
    client = _staff(system)
    d, _ = pulse_store.dashboard(wave)
    assert d.has_figures
    hidden = [g for g in d.groups if g.kind == "unit" and g.n is None]
    assert hidden  # the team (8) is the program (10) less 2: one of them must stay hidden
    shown = [g for g in d.groups if g.kind == "unit" and g.n]
    html = (
        "".join(client.get(_url(system, wave, unit=g.unit_id)).content.decode() for g in shown)
        + client.get(_url(system, wave)).content.decode()
    )
    assert "are not listed are hidden" in html
    for g in hidden:
        assert g.label not in html
        assert client.get(_url(system, wave, unit=g.unit_id)).status_code == 404
