"""The briefing pack from the command line, for cron the night before a briefing (`python -m app.briefing_queue
--briefing N --login L [--district MÃ]`, app.briefing_queue.main): the pack of one account's scope recorded in the
briefing's packs, as the page records it, and made in this process. Audited: a refused scope (scope_refused), a pack
generated (briefing_pack_generated, by the queue), a pack the cache already had (briefing_pack_attached)."""
from __future__ import annotations

import time

from app.briefing_queue import pack_of, request, run_queue, scopes, waiting
from app.state import Pack
from etl.settings import Settings

CACHED_EVENT = "briefing_pack_attached"


def attach(settings: Settings, number: int, login: str, district: str | None, wait_s: float = 3600.0) -> Pack:
    """The pack of briefing `number` for account `login` (its whole scope on the briefing's snapshot, or `district`
    within it), recorded in the briefing's packs and made in this process (under the queue's lock, or by the worker
    that holds it, waited for up to `wait_s`). Raises app.briefing.Refused (the scope refusal audited)."""
    from app.briefing import Refused, _address, requested_scope
    from app.state import open_state
    from etl.snapshots import snapshots_dir

    store = open_state(settings)
    account = store.account(login)
    if account is None or account.disabled:
        raise Refused(f"không có tài khoản {login}" if account is None else f"tài khoản {login} đã bị khóa")
    try:
        found = store.briefing(number)
    except LookupError as error:
        raise Refused(str(error)) from None
    snapshot = snapshots_dir(settings) / found.snapshot
    if not snapshot.exists():
        raise Refused(f"bản dữ liệu {found.snapshot} của buổi giao ban không còn trên máy chủ")
    try:
        scope = requested_scope(account, str(snapshot), district)
    except Refused as refusal:
        store.audit("scope_refused", account.login, _address(),
                    {"what": "tài liệu giao ban", "briefing": found.id, "district": district, "reason": str(refusal)})
        raise
    options = scopes(str(snapshot), scope)  # the first: the whole scope asked for (the province, or the district)
    key = next(iter(options))
    pack = request(settings, found, key, options[key], account.login, _address(), start=False)
    if pack.status == "done":  # answered by the cache (or made before): the request is audited all the same
        store.audit(CACHED_EVENT, account.login, _address(), {"briefing": found.id, "scope": pack.scope_name,
                                                             "file": pack.file})
    deadline = time.monotonic() + wait_s
    while waiting(pack := pack_of(settings, found.id, key)) and time.monotonic() < deadline:
        run_queue(settings)  # ours to make, with any other queued; at once if a worker holds the lock
        if waiting(pack_of(settings, found.id, key)):
            time.sleep(1.0)
    return pack
