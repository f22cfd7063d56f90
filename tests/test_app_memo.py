"""The query cache (app.memo) and the element replay (app.replay): what a warm page run costs little CPU by reusing,
and the bounds that keep a server's memory from growing with a room of viewers."""
from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from app import memo, replay
from app import widgets as W


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_store_forgets_the_least_recently_used_entry_past_its_size():
    store = memo.Memo(max_entries=2)
    store.put("a", 1)
    store.put("b", 2)
    assert store.get("a") == 1  # "a" used: "b" is now the least recent
    store.put("c", 3)
    assert len(store) == 2
    assert store.get("b") is memo._MISSING
    assert (store.get("a"), store.get("c")) == (1, 3)


def test_the_store_forgets_an_entry_after_its_time_to_live():
    clock = Clock()
    store = memo.Memo(max_entries=10, ttl=60, clock=clock)
    store.put("a", 1)
    clock.now = 59.9
    assert store.get("a") == 1
    clock.now = 60.0
    assert store.get("a") is memo._MISSING
    assert len(store) == 0


def test_a_cached_query_runs_once_per_arguments_and_hands_out_frames_the_caller_may_change(monkeypatch):
    monkeypatch.setattr(memo, "MEMO", memo.Memo())
    calls = []

    @memo.cached
    def units(snapshot: str, scope: tuple, as_of: dt.date) -> pd.DataFrame:
        calls.append((snapshot, scope, as_of))
        return pd.DataFrame({"unit_code": list(scope), "people": [10, 20][:len(scope)]})

    first = units("a.duckdb", ("248", "249"), dt.date(2022, 3, 15))
    first["people"] = 0  # a page adding to or changing what it got
    first["extra"] = 1
    again = units("a.duckdb", ("248", "249"), dt.date(2022, 3, 15))
    assert calls == [("a.duckdb", ("248", "249"), dt.date(2022, 3, 15))]
    assert again["people"].tolist() == [10, 20] and "extra" not in again.columns
    units("a.duckdb", ("248",), dt.date(2022, 3, 15))  # another scope: another entry, never the whole province's
    units("b.duckdb", ("248", "249"), dt.date(2022, 3, 15))  # a new snapshot: another entry
    assert len(calls) == 3


def test_the_digest_tells_frames_apart_by_their_values_not_their_identity():
    frame = pd.DataFrame({"unit_code": ["248", "249"], "people": [10, 20]})
    same = pd.DataFrame({"unit_code": ["248", "249"], "people": [10, 20]})
    assert replay.digest("table", frame) == replay.digest("table", same)
    assert replay.digest("table", frame) != replay.digest("table", same.assign(people=[10, 21]))
    assert replay.digest("table", frame) != replay.digest("table", frame.iloc[::-1])
    assert replay.digest("table", frame) != replay.digest("other", frame)
    assert replay.digest(W.Col("Đơn vị")) != replay.digest(W.Col("Đơn vị", help="x"))
    with pytest.raises(TypeError):
        replay.digest(object())


def test_a_replayed_table_shows_the_rows_it_was_given_and_is_built_once_per_distinct_rows(monkeypatch):
    """Three runs: rows A (built), rows A again (replayed from the cache, not built), rows B (built): every run shows
    its own rows."""
    from streamlit.testing.v1 import AppTest

    built = []
    grid = W._grid
    monkeypatch.setattr(W, "_grid", lambda rows, *a: (built.append(rows["people"].tolist()), grid(rows, *a)))

    def script():
        import streamlit as st

        from app import widgets as W

        W.table(st.session_state["rows"], {"unit_code": W.Col("Mã"), "people": W.Col("Số người", "int")}, key="t",
                file_name="t", download=False)

    at = AppTest.from_function(script)
    a = pd.DataFrame({"unit_code": ["248", "249"], "people": [1500, 20]})
    b = pd.DataFrame({"unit_code": ["248", "249"], "people": [1500, 21]})
    shown = []
    for rows in (a, a.copy(), b):
        at.session_state["rows"] = rows
        at.run()
        assert not at.exception
        shown.append(at.dataframe[0].value["Số người"].tolist())
    assert built == [[1500, 20], [1500, 21]]
    assert shown == [[1500, 20], [1500, 20], [1500, 21]]


def test_the_store_keeps_within_its_bytes_dropping_the_least_recently_used_frames():
    frame = pd.DataFrame({"people": range(1000)})  # 8.000 bytes of int64, 132 of its RangeIndex
    size = memo.size_of(frame)
    assert size == 8000 + frame.index.memory_usage()
    store = memo.Memo(max_entries=100, max_bytes=2 * size + 10)
    store.put("a", frame)
    store.put("b", frame)
    assert store.bytes == 2 * size
    store.get("a")  # "b" is now the least recent
    store.put("c", frame)
    assert (store.get("b") is memo._MISSING, len(store), store.bytes) == (True, 2, 2 * size)
    store.put("c", frame)  # the same key again replaces, never counts twice
    assert store.bytes == 2 * size
    store.clear()
    assert (len(store), store.bytes) == (0, 0)
