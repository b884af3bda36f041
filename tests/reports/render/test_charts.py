"""The one chart helper: figures owned by the caller, rendered to SVG without pyplot and without
depending on (or changing) matplotlib's process-wide settings."""

from concurrent.futures import ThreadPoolExecutor

import matplotlib

from walkthetalk.reports.render import charts


def _chart() -> str:
    fig, ax = charts.new_figure(3, 2)
    ax.plot([1, 2, 3], [3, 1, 2], marker="o", label="Talk")
    ax.set_title("Our team")
    ax.legend()
    return charts.svg_text(fig)


def test_a_figure_becomes_an_svg_data_uri_and_leaves_matplotlib_settings_alone() -> None:
    before = dict(matplotlib.rcParams)
    fig, ax = charts.new_figure(2, 2)
    ax.plot([1, 2], [3, 4])
    assert charts.svg_data_uri(fig).startswith("data:image/svg+xml;base64,")
    assert "<svg" in charts.svg_text(fig)
    assert dict(matplotlib.rcParams) == before


def test_starting_the_site_sets_no_matplotlib_setting() -> None:
    # the site is set up by now (pytest-django): its start-up left matplotlib's defaults alone
    for key in ("svg.hashsalt", "svg.fonttype"):
        assert matplotlib.rcParams[key] == matplotlib.rcParamsDefault[key]


def test_the_svg_is_the_same_whatever_the_process_settings_hold() -> None:
    plain = _chart()
    assert plain == _chart()  # element ids are not salted with a random number
    assert ">Our team</text>" in plain  # text kept as text
    changed = {
        "svg.hashsalt": None,
        "svg.fonttype": "path",
        "svg.id": "elsewhere",
        "savefig.facecolor": "black",
        "savefig.bbox": "tight",
    }
    with matplotlib.rc_context(changed):
        assert _chart() == plain
        assert matplotlib.rcParams["svg.fonttype"] == "path"  # and the caller's settings stay


def test_threads_saving_at_once_all_get_the_same_svg() -> None:
    expected = _chart()
    with ThreadPoolExecutor(max_workers=6) as pool:
        drawn = list(pool.map(lambda _: _chart(), range(24)))
    assert drawn == [expected] * 24
    assert matplotlib.rcParams["svg.hashsalt"] == matplotlib.rcParamsDefault["svg.hashsalt"]
