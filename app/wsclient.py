"""A Streamlit viewer without a browser: the websocket protocol of a page run, as the browser speaks it. Used by the
load benchmark (bench/load.py), the serving tests and the warm-up of the caches (app/warm.py).

A viewer is a real Streamlit session: a websocket on ws://HOST:PORT/_stcore/stream (subprotocol "streamlit", the
sign-in cookie bcd_phien and any other cookie or header in the handshake), BackMsg rerun_script messages as the browser
sends them (the URL's page name on opening, the page's page_script_hash learnt from the server's `navigation` message
on a click, the hashes of the messages already received as cached_message_hashes, the browser's context_info), and
ForwardMsg read until the run's script_finished.
"""
from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from pathlib import Path

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect  # comes with Streamlit's server
from websockets.exceptions import ConnectionClosed, WebSocketException

COOKIE = "bcd_phien"  # app.signin.COOKIE (not imported: this module must not pull the dashboard's code in)
FINISHED = {0: "ok", 1: "lỗi biên dịch", 2: "dừng sớm để chạy lại", 3: "fragment xong"}
EARLY_FOR_RERUN = 2


@dataclass
class Viewer:
    n: int
    login: str
    scope: str
    token: str
    base: str  # the server's address, scheme, host and port (or the proxy's in front of it): http://127.0.0.1:8701
    cookies: dict = field(default_factory=dict)
    pages: list = field(default_factory=list)  # url pathnames, in this viewer's order of visit
    hashes: dict = field(default_factory=dict)  # url pathname -> page_script_hash (from `navigation`)
    cache: set = field(default_factory=set)  # hashes of the cacheable messages received (the browser's cache)
    ws: object = None
    visited: int = 0
    upstream: str = ""  # behind the proxy: the process that answered its first request (bench/load.py)
    current: str = ""  # the page on screen
    widgets: list = field(default_factory=list)  # (id, options, value) of its radios and selectboxes
    headers: dict = field(default_factory=dict)  # more headers of the websocket's handshake


@dataclass
class Run:
    viewer: int
    scope: str
    page: str
    kind: str  # open | click | widget | warm
    seconds: float
    kbytes: float
    error: str | None = None
    at: float = 0.0
    base: str = ""
    texts: list = field(default_factory=list)  # markdown, captions and alerts drawn (Client(keep_texts=True))


def url_pathname(path: str) -> str:
    """The URL of a page under pages/ as Streamlit names it: '1_Tong_quan.py' -> 'Tong_quan'."""
    stem = Path(path).stem
    head, _, rest = stem.partition("_")
    return rest if head.isdigit() and rest else stem


class Client:
    """Page runs of any number of viewers, each on its own websocket; every run is recorded (but warm-up runs) with
    its time, size and error."""

    def __init__(self, timeout: float, deflate: bool = True, keep_texts: bool = False):
        self.timeout = timeout
        self.keep_texts = keep_texts  # tests read what a run drew (app.frame's snapshot id, its warnings)
        self.deflate = deflate  # permessage-deflate, as browsers ask for it
        self.runs: list[Run] = []
        self.connects: list[float] = []
        self.errors: list[str] = []

    async def open(self, v: Viewer) -> None:
        cookies = {COOKIE: v.token, **v.cookies}
        ws_url = "ws" + v.base[len("http"):] + "/_stcore/stream"
        started = time.perf_counter()
        v.ws = await connect(ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=self.timeout,
                             compression="deflate" if self.deflate else None,
                             additional_headers={"Cookie": "; ".join(f"{k}={x}" for k, x in cookies.items()),
                                                 "Origin": v.base, "User-Agent": "bcd-wsclient", **v.headers})
        self.connects.append(time.perf_counter() - started)
        v.cache.clear()

    async def close(self, v: Viewer) -> None:
        if v.ws is not None:
            ws, v.ws = v.ws, None
            try:
                await asyncio.wait_for(ws.close(), 5)
            except (OSError, asyncio.TimeoutError, WebSocketException):
                pass

    def message(self, v: Viewer, page: str, first: bool, widget: tuple | None = None) -> bytes:
        b = BackMsg()
        r = b.rerun_script
        page_hash = None if first else v.hashes.get(page)
        if page_hash:
            r.page_script_hash = page_hash  # a click on a page link
        else:
            r.page_name = page  # the URL typed or reloaded: /<page>
        r.query_string = ""
        r.widget_states.SetInParent()
        if widget is not None:  # another option of a radio or a selectbox: the page's widgets as they are, one changed
            for wid, options, value in v.widgets:
                w = r.widget_states.widgets.add()
                w.id = wid
                w.string_value = widget[1] if wid == widget[0] else value
        r.cached_message_hashes.extend(sorted(v.cache))
        c = r.context_info
        c.timezone = "Asia/Ho_Chi_Minh"
        c.timezone_offset = -420
        c.locale = "vi-VN"
        c.url = f"{v.base}/{page}"
        c.is_embedded = False
        c.color_scheme = "light"
        return b.SerializeToString()

    async def page(self, v: Viewer, page: str, kind: str, widget: tuple | None = None) -> Run:
        """Open `page` (a new websocket when the viewer has none), or change `widget` (id, new value) on it, and read
        until its run has finished."""
        first = v.ws is None
        if first:
            widget = None
        if first:
            try:
                await self.open(v)
            except (OSError, asyncio.TimeoutError, WebSocketException) as e:
                return self.record(Run(v.n, v.scope, page, kind, 0.0, 0.0, f"kết nối: {type(e).__name__} {e}"))
            kind = "open" if kind != "warm" else kind
        started = time.perf_counter()
        size = 0
        error = None
        texts = []
        try:
            await v.ws.send(self.message(v, page, first, widget))
            v.current, widgets = page, []
            deadline = started + self.timeout
            while True:
                left = deadline - time.perf_counter()
                if left <= 0:
                    raise asyncio.TimeoutError
                data = await asyncio.wait_for(v.ws.recv(), left)
                size += len(data)
                m = ForwardMsg()
                m.ParseFromString(data)
                kind_of = m.WhichOneof("type")
                if m.metadata.cacheable and m.hash:
                    v.cache.add(m.hash)
                if kind_of == "delta":
                    el = m.delta.new_element if m.delta.WhichOneof("type") == "new_element" else None
                    what = el.WhichOneof("type") if el is not None else None
                    if what in ("radio", "selectbox"):
                        w = getattr(el, what)
                        if len(w.options) > 1 and not w.form_id and not w.disabled:
                            value = w.raw_value if w.HasField("raw_value") else w.options[w.default] \
                                if 0 <= w.default < len(w.options) else w.options[0]
                            widgets.append((w.id, list(w.options), value))
                    elif self.keep_texts and what in ("markdown", "alert"):
                        texts.append(getattr(el, what).body)
                    elif what == "exception" and error is None:
                        error = f"exception {el.exception.type}: {el.exception.message[:160]}"
                    elif what == "text_input" and el.text_input.label == "Tên đăng nhập" and error is None:
                        error = "trang đăng nhập (cookie không được nhận)"
                elif kind_of == "navigation":
                    for p in m.navigation.app_pages:
                        v.hashes[p.url_pathname] = p.page_script_hash
                elif kind_of == "page_not_found" and error is None:
                    error = f"không có trang {page}"
                elif kind_of == "script_finished":
                    status = m.script_finished
                    if status == EARLY_FOR_RERUN:
                        continue  # st.switch_page or st.rerun: the run goes on
                    if status == 1 and error is None:
                        error = f"script_finished: {FINISHED.get(status, status)}"
                    v.widgets = widgets
                    break
        except asyncio.TimeoutError:
            error = f"quá {self.timeout:.0f} s không xong"
            await self.close(v)  # its script_finished could be mistaken for the next run's
        except (ConnectionClosed, OSError, WebSocketException) as e:
            error = f"mất kết nối: {type(e).__name__} {e}"
            await self.close(v)
        return self.record(Run(v.n, v.scope, page, kind, time.perf_counter() - started, size / 1024, error,
                               time.monotonic(), v.base, texts))

    def record(self, run: Run) -> Run:
        if run.kind != "warm":
            self.runs.append(run)
            if run.error:
                self.errors.append(f"{run.scope} /{run.page}: {run.error}")
        return run

    def some_widget(self, v: Viewer, rng: random.Random) -> tuple | None:
        """(id, another option) of a radio or selectbox of the page on screen; None when it has none."""
        if not v.widgets or v.ws is None:
            return None
        wid, options, value = rng.choice(v.widgets)
        return wid, rng.choice([o for o in options if o != value] or options)

    def next_page(self, v: Viewer) -> str:
        page = v.pages[v.visited % len(v.pages)]
        v.visited += 1
        return page
