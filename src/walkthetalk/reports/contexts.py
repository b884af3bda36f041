"""What the report pages and the printed reports show: the template contexts built from a
release (a pulse wave's stored dashboard, a conversation's stored result), shared by the pages
(:mod:`walkthetalk.reports.views`) and the PDFs drawn ahead by the worker
(:mod:`walkthetalk.reports.pdf_store`)."""

from __future__ import annotations

from typing import Any

from walkthetalk.caremap import clock
from walkthetalk.caremap.models import CareSystem
from walkthetalk.conversations import selectors as conversation_selectors
from walkthetalk.conversations import services as conversation_services
from walkthetalk.conversations.models import Conversation, ConversationResult
from walkthetalk.pulse.models import Wave
from walkthetalk.reports import conversation, conversation_charts, pulse, selectors
from walkthetalk.reports.render.charts import svg_uri
from walkthetalk.reports.render.opinion_map import describe


def dashboard_context(system: CareSystem, wave: Wave, d: pulse.Dashboard) -> dict[str, Any]:
    return {
        "system": system,
        "wave": wave,
        "d": d,
        "rule_scales": d.rule_rows,
        "heat_table": [
            (r, list(zip(d.levels, r.cells_with_se, strict=False))) for r in d.heat_rows
        ],
        "levels_with_n": list(zip(d.levels, d.level_ns, strict=False)),
        **evidence_context(d),
    }


def result_context(found: Conversation) -> dict[str, Any]:
    result = conversation_selectors.result_for(found)
    data = result.data if result else {}
    return {
        "conversation": found,
        "result": result,
        "data": data,
        "ready": bool(result and result.state == ConversationResult.State.READY),
        "refreshing": found.refresh_pending,
        "today": clock.today(),
        "refresh_minutes": int(conversation_services.REFRESH_EVERY.total_seconds() // 60),
        "map_description": describe(data) if data else "",
        "report_link": selectors.report_link(found),
        "topics": conversation_selectors.topics_of_conversation(found),
    }


def report_context(found: Conversation) -> dict[str, Any]:
    """The conversation report's content: the released result, in words, bars and tables."""
    context = result_context(found)
    data = context["data"]
    rows = conversation.statement_rows(found, data)
    group_rows = conversation.statement_groups(rows, data)
    result = context["result"]
    context.update(
        {
            "system": found.care_system,
            "groups": conversation.group_summaries(data),
            "statement_rows": rows,
            "bars_svg": conversation_charts.statement_bars_svg(rows) if rows else "",
            "bars_alt": conversation_charts.statement_bars_alt(rows),
            "group_rows": group_rows,
            "group_charts": conversation_charts.group_bars_svgs(group_rows),
            "map_uri": svg_uri(result.svg) if result and result.svg else "",
            "min_size": int(data.get("min_group_size", found.care_system.min_group_size)),
        }
    )
    return context


def evidence_context(d: pulse.Dashboard) -> dict[str, object]:
    """Tables of the evidence beside the figures (aggregation, item non-response)."""
    ev = d.evidence
    if ev is None:
        return {"evidence_tables": [], "nonresponse_table": [], "nonresponse_levels": []}
    levels = list(dict.fromkeys(r.level for r in ev.nonresponse))
    by_scale: dict[str, list[object]] = {}
    names: dict[str, str] = {}
    for r in ev.nonresponse:
        by_scale.setdefault(r.scale_id, []).append(r)
        names[r.scale_id] = r.name
    return {
        "evidence_tables": [
            ("Agreement and reliability within teams", ev.units, "Team"),
            ("Agreement and reliability within levels", ev.levels, "Level"),
        ],
        "nonresponse_levels": levels,
        "nonresponse_table": [(names[k], v) for k, v in by_scale.items()],
    }
