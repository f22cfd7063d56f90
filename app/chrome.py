"""What every page run draws first, page-wide: the style (no English toolbars, metrics that wrap) and two scripts (Enter
applies a typed date; the plotly bundle loaded ahead of the first chart)."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

# Streamlit's toolbar over tables and charts ("Download as CSV", "Search", "Fullscreen") and plotly's mode bar
# ("Zoom", "Autoscale", "Download plot as a png") speak English, and st.dataframe takes no option to hide its
# toolbar: hidden, page-wide. Every table has its Excel download (or a link to the full table), every chart its table
# twin. A metric's label, value and delta wrap rather than end in "…" where a column is too narrow for them (a
# briefing screen must show all of a label; labels are kept short so that they rarely need to). A style-only st.html goes to
# the event container: it takes no space.
PAGE_STYLE = ('<style>[data-testid="stElementToolbar"], .modebar-container {display: none !important;}\n'
              '[data-testid="stMetricLabel"] *, [data-testid="stMetricValue"], [data-testid="stMetricValue"] *, '
              '[data-testid="stMetricDelta"] * '
              '{white-space: normal !important; overflow: visible !important; text-overflow: clip !important;}'
              '</style>')

# Streamlit 1.67's date field applies a typed date only when it loses focus to a click outside (its calendar stays
# open while one types): Enter in a date field does the same. Installed once per browser page (scripts of st.html
# run in the page itself; the listener outlives the element).
ENTER_APPLIES_DATE = """<script>
if (!window.__enterAppliesDate) {
  window.__enterAppliesDate = true;
  document.addEventListener('keydown', (event) => {
    const field = event.target instanceof Element && event.target.closest('[data-testid="stDateInputField"]');
    if (event.key !== 'Enter' || !field) return;
    for (const type of ['pointerdown', 'mousedown', 'pointerup', 'mouseup', 'click']) {
      const Kind = type.startsWith('pointer') ? PointerEvent : MouseEvent;
      document.body.dispatchEvent(new Kind(type, {bubbles: true}));
    }
    event.target.blur();
  }, true);
}
</script>"""


def draw() -> None:
    """Once per page run, from app.frame.frame() (every page calls it first): the page-wide style (PAGE_STYLE: no
    English toolbars, metric labels that wrap) and the script that lets Enter apply a date typed into the sidebar's
    picker (ENTER_APPLIES_DATE), and the plotly bundle loaded ahead (PRELOAD_PLOTLY). The script is drawn on every run: a run that switches page at once (dashboard.py
    lands on the overview) may never reach the browser, and the script itself installs its listener only once."""
    st.html(PAGE_STYLE)
    st.sidebar.html(ENTER_APPLIES_DATE + PRELOAD_PLOTLY, unsafe_allow_javascript=True)


def _plotly_chunk() -> str | None:
    """The file of Streamlit's frontend that holds plotly (a name with a build hash: PlotlyChart.<hash>.js)."""
    found = sorted((Path(st.__file__).parent / "static" / "static" / "js").glob("PlotlyChart.*.js"))
    return found[0].name if found else None


# Streamlit's frontend loads plotly (4,7 MB of JavaScript) when the first chart arrives, and the browser then spends
# seconds compiling it before any chart is drawn (measured: ~1,8 s on a quiet 2-core machine). Loaded once the page
# in front of the viewer has drawn (the browser idle; the sign-in form included), it is ready by the time they open
# the next page. Not at once: the compile would hold up the page being drawn (its maps need no plotly: app.maps).
# The same URL as the frontend's own import, so the module is fetched and run once.
_CHUNK = _plotly_chunk()
PRELOAD_PLOTLY = "" if _CHUNK is None else f"""<script>
if (!window.__plotlyAhead) {{
  window.__plotlyAhead = true;
  const load = () => import(new URL('static/js/{_CHUNK}', document.baseURI).href).catch(() => {{}});
  if (window.requestIdleCallback) window.requestIdleCallback(load, {{timeout: 4000}}); else setTimeout(load, 1500);
}}
</script>"""
