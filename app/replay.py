"""Drawn once, replayed to every viewer: the built elements of a table or chart, cached by what they show.

A warm page run must cost the server little CPU (≤ 50 ms: a briefing room of 50 viewers shares two cores). Caching
query results is not enough: formatting a table (pandas Styler, column widths, Arrow bytes) and building a plotly
figure (validation, JSON) cost far more than the query. Streamlit replays the elements a cached function drew when the
function is not run again (its "cached message replay"), so a table or chart drawn through `drawn()` is built once
per distinct content, then sent from the cache to every session that shows the same thing.

The cache key is a digest of what the element shows: the rows of its frames (by value, not identity: a frame the
page derived again on this run gives the same key), its settings and the element's own key. So a new snapshot, another
scope, date or selection gives other rows and another key, and no viewer can get an element built for other rows.
Only elements that are not widgets can be replayed (a widget must register itself on every run): an Excel button, a
selectable map, a control stays outside.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import pickle
import threading
from collections.abc import Callable

import pandas as pd
import streamlit as st

from app import figures

# Enough for every table and chart of every page for a room of scopes, dates and selections; an entry unused for an
# hour goes (a snapshot replaced the night before is not kept for long).
MAX_ENTRIES = 1500
TTL_SECONDS = 3600


def _feed(h, part: object) -> None:
    if isinstance(part, pd.DataFrame | pd.Series):
        # Its pickle holds its values, index, columns and dtypes, and costs a tenth of hashing them with pandas (0,1–1
        # ms for a page's table). Equal bytes mean equal frames; two equal frames pickled differently would only cost
        # a second entry.
        h.update(pickle.dumps(part, protocol=5))
    elif isinstance(part, tuple | list):
        h.update(f"{type(part).__name__}[{len(part)}]".encode())
        for item in part:
            _feed(h, item)
    elif isinstance(part, dict):
        h.update(f"dict[{len(part)}]".encode())
        for key, value in part.items():
            _feed(h, key)
            _feed(h, value)
    elif callable(part) and hasattr(part, "__qualname__"):
        h.update(f"fn:{part.__module__}.{part.__qualname__}".encode())
    elif dataclasses.is_dataclass(part) or isinstance(part, str | int | float | bool | dt.date | None):
        h.update(repr(part).encode())
        h.update(b"\x00")
    else:
        raise TypeError(f"replay.digest: cannot key on a {type(part).__name__}")


def digest(*parts: object) -> str:
    """A digest of what an element shows: frames by their values, index and dtypes; other parts by their repr."""
    h = hashlib.blake2b(digest_size=20)
    _feed(h, parts)
    return h.hexdigest()


# Whether this thread is drawing an entry now. An entry drawn inside another (a table inside a page's section) is drawn
# as part of the outer one, not cached on its own: Streamlit would record its elements as written to the main area
# rather than to the container the outer entry opened for them, and the outer replay would put them outside it.
_building = threading.local()


@st.cache_resource(max_entries=MAX_ENTRIES, ttl=TTL_SECONDS, show_spinner=False)
def _drawn(key: str, _draw: Callable[[], None]) -> None:
    _building.depth = getattr(_building, "depth", 0) + 1
    try:
        _draw()
    finally:
        _building.depth -= 1


def drawn(parts: tuple, draw: Callable[[], None]) -> None:
    """Draw with `draw()` the first time `parts` are seen, and replay those elements every time after. `draw` may only
    call `st.*` (on `st` itself, inside the caller's `with` block), create containers and draw non-widget elements."""
    if getattr(_building, "depth", 0):
        draw()
    else:
        _drawn(digest(*parts), draw)


def section(parts: tuple, draw: Callable[[], None]) -> None:
    """A part of a page with no widget in it, drawn by `draw()` once per `parts` (everything it depends on: snapshot,
    scope, as-of date, the selections that change it) and replayed after. While figures are recorded (tests), it is
    drawn on every run, so that every figure it draws is noted (app.figures)."""
    if figures.active():
        draw()
    else:
        drawn(("section", *parts), draw)
