"""The query cache: results shared by every session of a server process, found again at the cost of a dict lookup.

`st.cache_data` pickles a result when it stores it and unpickles it on every hit, and hashes every argument with its
own hasher: for a page that reads fifty query results a run, that cost more server CPU than drawing the page (measured
on the overview: about a quarter of a warm run). Query arguments here are plain hashable values (the snapshot path, the
scope tuple, dates, codes), so Python's own hash is the key; a frame is handed out as a shallow copy, which pandas'
copy-on-write keeps from ever changing the stored one (a page may add a column to what it gets).

Bounded: at most MAX_ENTRIES results and MAX_BYTES of frames (least recently used go first), none kept longer than
TTL_SECONDS, so a room of viewers flipping through dates, and the snapshots replaced night after night, cannot grow a
process without limit (`python bench/load.py soak` prints the servers' memory for an hour).
"""
from __future__ import annotations

import functools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

import pandas as pd

MAX_ENTRIES = 4096
MAX_BYTES = 512 * 2**20
TTL_SECONDS = 3600

T = TypeVar("T")
_MISSING = object()


_STORES: list[Memo] = []  # every store of the process, cleared together by clear()


def size_of(value: object) -> int:
    """Bytes a cached value holds, roughly: a frame's columns and index (Arrow strings counted by their buffers), else a
    small constant (a dict of figures, a tuple of codes)."""
    if isinstance(value, pd.DataFrame | pd.Series):
        usage = value.memory_usage(index=True, deep=False)
        return int(usage.sum() if isinstance(usage, pd.Series) else usage)
    return int(getattr(value, "nbytes", 1024))


class Memo:
    """A thread-safe LRU map with a time to live and a budget of bytes (server sessions run their scripts in threads
    of one process)."""

    def __init__(self, max_entries: int = MAX_ENTRIES, ttl: float = TTL_SECONDS, max_bytes: int = MAX_BYTES,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_entries, self.ttl, self.max_bytes, self.clock = max_entries, ttl, max_bytes, clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[object, tuple[float, object, int]] = OrderedDict()
        self.bytes = 0
        _STORES.append(self)

    def get(self, key: object) -> object:
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return _MISSING
            if found[0] <= self.clock():
                self._drop(key)
                return _MISSING
            self._entries.move_to_end(key)
            return found[1]

    def put(self, key: object, value: object) -> None:
        size = size_of(value)
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (self.clock() + self.ttl, value, size)
            self.bytes += size
            while len(self._entries) > self.max_entries or (self.bytes > self.max_bytes and len(self._entries) > 1):
                self._drop(next(iter(self._entries)))

    def _drop(self, key: object) -> None:
        self.bytes -= self._entries.pop(key)[2]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0

    def __len__(self) -> int:
        return len(self._entries)


MEMO = Memo()


def _handed_out(value: T) -> T:
    """What a caller gets: a frame or container it may change without changing the stored result."""
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy(deep=False)
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value


def cached(func: Callable[..., T]) -> Callable[..., T]:
    """Cache `func`'s results in MEMO by its name and arguments (which must be hashable)."""
    name = f"{func.__module__}.{func.__qualname__}"

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        key = (name, args, tuple(sorted(kwargs.items()))) if kwargs else (name, args)
        value = MEMO.get(key)
        if value is _MISSING:
            value = func(*args, **kwargs)
            MEMO.put(key, value)
        return _handed_out(value)

    wrapper.memo = MEMO
    return wrapper


def clear() -> None:
    """Forget every cached result, in every store (tests, and the benchmarks, between data directories)."""
    for store in _STORES:
        store.clear()
