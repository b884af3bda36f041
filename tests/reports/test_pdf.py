"""Printed reports from the demo data: each PDF renders, page 1 turns into a PNG (pdftoppm),
its text (pdftotext) says what it should, and every figure in it is one the pages release."""

import re
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

from walkthetalk.conversations import selectors as conversation_selectors
from walkthetalk.conversations.models import Conversation
from walkthetalk.pulse import services as pulse_services
from walkthetalk.pulse.models import Wave
from walkthetalk.reports import conversation, pulse
from walkthetalk.site.demo import seed_demo

from ..caremap.factories import small_system, staff_client
from ..pulse.factories import unit

pytestmark = pytest.mark.django_db


def _pdf_text(pdf: Path, *pages: str) -> str:
    out = subprocess.run(
        ["pdftotext", "-layout", *pages, str(pdf), "-"], check=True, capture_output=True
    )
    return out.stdout.decode()


def _page_one_png(pdf: Path) -> Path:
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(pdf.with_suffix(""))],
        check=True,
    )
    (png,) = pdf.parent.glob(pdf.stem + "*.png")
    return png


def _download(client: Client, url: str, tmp_path: Path, name: str) -> Path:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "application/pdf"
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert body.startswith(b"%PDF-")
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(body)
    png = _page_one_png(path)
    image = png.read_bytes()
    assert image.startswith(b"\x89PNG") and len(image) > 2000  # a page with something on it
    return path


def _two_decimals(values: list[float | None]) -> set[str]:
    return {f"{abs(v):.2f}" for v in values if v is not None}


def _released_brief_figures(d: pulse.Dashboard) -> set[str]:
    figures = [c for r in d.heat_rows for c in r.cells + r.ses]
    figures += [m for p in d.trend for m in p.means.values()]
    for c in d.changes.values():
        figures += [c.difference, c.ci_low, c.ci_high]
    return _two_decimals(figures)


def test_each_printed_report_renders_from_the_demo_with_only_released_figures(
    tmp_path: Path,
) -> None:
    seed = seed_demo()
    system = seed.care_system
    client = Client()
    client.force_login(User.objects.get(username="steward"))

    # The wave brief
    wave = Wave.objects.filter(care_system=system).order_by("-pk").first()
    assert wave is not None
    pdf = _download(client, f"/pulse/{system.slug}/waves/{wave.pk}/brief.pdf", tmp_path, "brief")
    page_one = _pdf_text(pdf, "-f", "1", "-l", "1")
    assert f"Wave brief: {wave.title}" in page_one and "Strengths to build on" in page_one
    text = _pdf_text(pdf)
    d = pulse.dashboard(wave)
    assert f"{d.total_n} responses" in page_one
    assert "Change since the last wave" in text and "Who answered" in text
    shown = set(re.findall(r"(?<![\d.])\d\.\d\d(?![\d])", text))
    assert shown and shown <= _released_brief_figures(d), shown - _released_brief_figures(d)
    level_ns = {str(n) for n in d.level_ns if n is not None}
    assert set(re.findall(r"\(n=(\d+)\)", text)) <= level_ns
    for level, n in zip(d.levels, d.level_ns, strict=True):
        if n is None:
            assert re.search(rf"{re.escape(level)}\s+hidden", text)

    # The conversation report
    conv = Conversation.objects.filter(care_system=system).first()
    assert conv is not None
    url = f"/conversations/{conv.public_id}/manage/results/report.pdf"
    pdf = _download(client, url, tmp_path, "conversation")
    assert conv.title.split()[0] in _pdf_text(pdf, "-f", "1", "-l", "1")
    text = _pdf_text(pdf)
    result = conversation_selectors.result_for(conv)
    assert result is not None
    data = result.data
    released_pct = {r.agree_pct for r in conversation.statement_rows(conv, data)}
    released_pct |= {r.disagree_pct for r in conversation.statement_rows(conv, data)}
    released_pct |= {r.pass_pct for r in conversation.statement_rows(conv, data)}
    released_pct |= {rep["share"] for g in data["groups"] for rep in g["representative"]}
    released_pct |= {e["agree"] for e in data["common_ground"]}
    released_pct |= {e["disagree"] for e in data["common_disagreement"]}
    released_pct |= {s for e in data["divides"] for s in e["groups"].values()}
    by_group = [s for row in data["statement_groups"].values() for s in row.values()]
    released_pct |= {v for shares in by_group for v in shares.values()}
    shown_pct = {int(p) for p in re.findall(r"(\d+)%", text)} - {0, 25, 50, 75, 100}
    assert shown_pct and shown_pct <= released_pct, shown_pct - released_pct
    hidden_sectors = [r for r in data["sectors"]["rows"] if r["participants"] is None]
    assert hidden_sectors, "the demo has a sector too small to show"
    for row in hidden_sectors:
        line = next(ln for ln in text.splitlines() if ln.strip().startswith(row["sector"]))
        assert "hidden" in line and not re.search(r"\d", line), line
    for g in data["groups"]:
        assert g["label"] in text
    _check_group_bars(pdf, text, conv, data)

    # "You said, we did"
    pdf = _download(client, f"/reports/{system.slug}/you-said-we-did.pdf", tmp_path, "handout")
    page_one = _pdf_text(pdf, "-f", "1", "-l", "1")
    assert "You said, we did" in page_one and system.name in page_one
    assert "We said we would" in page_one and "You said:" in page_one


def _check_group_bars(pdf: Path, text: str, conv: Conversation, data: dict) -> None:
    """Every statement's bars per opinion group: each shown figure is a released one, once, and
    a group whose votes on a statement are not released reads "hidden", never a number."""
    assert "How each opinion group voted" in text
    rows = conversation.statement_groups(conversation.statement_rows(conv, data), data)
    assert rows and all(len(r.groups) == len(data["groups"]) for r in rows)
    cells = [g for r in rows for g in r.groups]
    released = sorted(
        (str(g.agree_pct), str(g.disagree_pct), str(g.pass_pct))
        for g in cells
        if g.agree_pct is not None
    )
    triple = r"(\d+)%\s/\s(\d+)%\s/\s(\d+)%"  # each cell kept on one line (no-break spaces)
    assert sorted(re.findall(triple, text)) == released  # each shown cell once, no other
    assert set(re.findall(triple, _pdf_text(pdf, "-f", "1", "-l", "1"))) <= set(released)
    hidden_cells = sum(1 for g in cells if g.agree_pct is None)
    group_table = text.split("How each opinion group voted", 1)[1].split("Common ground", 1)[0]
    assert group_table.count("hidden") >= hidden_cells + 1  # and the caption says what it means


def test_someone_without_a_role_in_the_care_system_gets_no_pdf() -> None:
    system = small_system()
    wave = pulse_services.open_wave(system, "Spring", [unit(system, "Riverbend Recovery")])
    urls = (
        f"/pulse/{system.slug}/waves/{wave.pk}/brief.pdf",
        f"/reports/{system.slug}/you-said-we-did.pdf",
    )
    no_role = staff_client(system, None)
    for url in urls:
        assert Client().get(url).status_code == 302  # to the sign-in page
        assert no_role.get(url).status_code in (403, 404)
