"""The reconciliation ledger as the data-quality page and the overview show it: the discrepancies of the snapshot
(app.queries.discrepancies) merged with the ledger's entries (app.state.State.ledger_entries), by the ledger's key
(kind, unit code, cohort, dose) — never by a report date, so that an entry outlives the report that raised it. Pure
functions (no Streamlit, no database), and merged(), the merge for a viewer: the discrepancies through app.queries,
the merge cached by snapshot, scope, as-of date and the entries themselves (a change to the ledger is another key).

Where an item stands (`state`, shown in Vietnamese as `state_text`), and whether it is open (`is_open`):

- a discrepancy with no entry yet: 'mới', open;
- an entry 'mới' (new) or 'đang xử lý' (in progress) whose discrepancy is present: that status, open;
- an entry 'đã giải trình' (explained) whose discrepancy is present: that status, not open (the explanation stands
  while the figures stay as they are);
- an entry 'đã sửa số liệu' (corrected) whose discrepancy is still present, or back: 'mở lại' (reopened), open — the
  data was said to be corrected, yet the snapshot still disagrees;
- an entry whose discrepancy is absent from the snapshot (on the as-of date viewed), whatever its status: 'đã khớp
  theo số liệu mới' (resolved by data), not open. When the discrepancy returns, the entry's own status applies again
  (a corrected one is then reopened).

open_count() is the one count of open items: the overview and the data-quality page draw it under one figure name
(ledger_open_items), so tests/test_app_figures.py compares them.
"""
from __future__ import annotations

import datetime as dt

import pandas as pd

from app import formatting as F
from app import queries as q
from app.memo import cached
from app.state_ledger import LEDGER_STATUS, ledger_write_allowed

KINDS = {"report_vs_platform": "Báo cáo lệch nền tảng", "two_sources": "Hai nguồn lệch nhau",
         "population": "Dân số lệch tệp dân số", "coverage_over_100": "Bao phủ trên 100%"}
REOPENED, RESOLVED_BY_DATA = "reopened", "resolved_by_data"
STATES = {**LEDGER_STATUS, REOPENED: "mở lại", RESOLVED_BY_DATA: "đã khớp theo số liệu mới"}
OPEN_STATES = {"new", "in_progress", REOPENED}
ENTRY_COLUMNS = ("status", "reason", "note", "owner", "updated_by", "updated_at")
COLUMNS = ("key", "kind", "kind_text", "unit_code", "unit_name", "district_code", "cohort", "dose", "ref_date", "detail",
           "present", "state", "state_text", "is_open", *ENTRY_COLUMNS)


def key_of(kind: str, unit_code: str, cohort: object, dose: object) -> tuple[str, str, str, int]:
    """The ledger's key, with '' and 0 where no cohort or dose applies (as app.state_ledger stores it)."""
    cohort = "" if F.missing(cohort) else str(cohort)
    return (str(kind), str(unit_code), cohort, 0 if F.missing(dose) else int(dose))


def key_text(key: tuple) -> str:
    """A key as one string (a widget's value): kind|unit|cohort|dose."""
    return "|".join(str(part) for part in key)


def state_of(status: str | None, present: bool) -> str:
    """Where an item stands, by the rules of the module docstring."""
    if not present:
        return RESOLVED_BY_DATA
    if status is None:
        return "new"
    if status == "corrected":
        return REOPENED
    return status


def detail_text(row) -> str:
    """What a discrepancy is, in a sentence (row: a row of app/sql/discrepancies.sql)."""
    if row.kind == "report_vs_platform":
        ratio = "" if F.missing(row.ratio_pct) else f" ({F.pct(row.ratio_pct)})"
        return f"Huyện báo cáo {F.num(row.reported)}, nền tảng {F.num(row.reference)}{ratio}"
    if row.kind == "population":
        return (f"Dân số đầu kỳ: báo cáo {F.num(row.reported)}, tệp dân số {F.num(row.reference)}; hiện có: báo cáo "
                f"{F.num(row.reported_current)}, tệp dân số {F.num(row.reference_current)}")
    if row.kind == "coverage_over_100":
        return (f"{F.num(row.reported)} người; dân số đầu kỳ {F.num(row.reference)} ({F.pct(row.ratio_pct)}), hiện có "
                f"{F.num(row.reference_current)} ({F.pct(row.ratio_current_pct)})")
    return "" if F.missing(row.detail) else str(row.detail)


def merged(snapshot: str, scope: q.Scope, as_of: dt.date, entries: list[dict]) -> pd.DataFrame:
    """combine() of the scope's discrepancies on the as-of date and the ledger's `entries` (State.ledger_entries of the
    scope's units, from q.discrepancy_units)."""
    return _merged(snapshot, scope, as_of, tuple(tuple(sorted(e.items())) for e in entries))


@cached
def _merged(snapshot: str, scope: q.Scope, as_of: dt.date, entries: tuple) -> pd.DataFrame:
    return combine(q.discrepancies(snapshot, scope, as_of), [dict(e) for e in entries],
                   q.discrepancy_units(snapshot, scope))


def combine(current: pd.DataFrame, entries: list[dict], units: pd.DataFrame) -> pd.DataFrame:
    """One row per item: every current discrepancy (with its entry, if any), then every entry of a unit in `units`
    (the viewer's scope: unit_code, unit_name, district_code) whose discrepancy is absent. Columns: COLUMNS."""
    by_key = {key_of(e["kind"], e["unit_code"], e["cohort"], e["dose"]): e for e in entries}
    rows = []
    for r in current.itertuples(index=False):
        key = key_of(r.kind, r.unit_code, r.cohort, r.dose)
        rows.append(_row(key, r.unit_name, r.district_code, r.ref_date, r.detail, True, by_key.pop(key, None)))
    names = dict(zip(units["unit_code"], units["unit_name"], strict=True))
    districts = dict(zip(units["unit_code"], units["district_code"], strict=True))
    for key, entry in by_key.items():
        if key[1] in names:
            rows.append(_row(key, names[key[1]], districts[key[1]], None, None, False, entry))
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    frame["dose"] = frame["dose"].astype("Int64")
    return frame


def _row(key: tuple, unit_name: str, district_code: object, ref_date: object, detail: object, present: bool,
         entry: dict | None) -> dict:
    kind, unit_code, cohort, dose = key
    state = state_of(entry["status"] if entry else None, present)
    return {"key": key_text(key), "kind": kind, "kind_text": KINDS.get(kind, kind), "unit_code": unit_code,
            "unit_name": unit_name, "district_code": None if F.missing(district_code) else district_code,
            "cohort": cohort or None, "dose": dose or None, "ref_date": ref_date, "detail": detail,
            "present": present, "state": state, "state_text": STATES[state], "is_open": state in OPEN_STATES,
            **{c: (entry or {}).get(c) for c in ENTRY_COLUMNS}}


PICK_LIMIT = 300  # beyond this many items a writer may update, the form asks for the district first


def writable(merged: pd.DataFrame, account) -> pd.DataFrame:
    """The items `account` may update (app.state_ledger.ledger_write_allowed, asked once per district: a national
    ledger has ~90.000 items, asked row by row it cost ~0,4 s a page run)."""
    codes = merged["district_code"]
    allowed = {code for code in codes.dropna().unique() if ledger_write_allowed(account, code)}
    keep = codes.isin(allowed)
    if ledger_write_allowed(account, None):
        keep |= codes.isna()
    return merged[keep]


PROVINCE_LEVEL = ""  # pick_districts()'s entry for the items of the province itself (no district)


def pick_districts(items: pd.DataFrame) -> list[str] | None:
    """The districts to pick first when `items` (writable()) are too many for one list, in code order, PROVINCE_LEVEL
    first when the province itself has items; None when one list will do."""
    if len(items) <= PICK_LIMIT:
        return None
    codes = items["district_code"]
    return ([PROVINCE_LEVEL] if codes.isna().any() else []) + sorted(codes.dropna().unique())


def choices(items: pd.DataFrame, district: str | None = None) -> dict:
    """{key: row} of the items to list (those of `district` when given, PROVINCE_LEVEL: the province's own), rows as
    named tuples (label())."""
    if district == PROVINCE_LEVEL:
        items = items[items["district_code"].isna()]
    elif district is not None:
        items = items[items["district_code"] == district]
    return {r.key: r for r in items.itertuples()}


def open_count(merged: pd.DataFrame) -> int:
    """Items open (no entry yet, new, in progress, or reopened)."""
    return int(merged["is_open"].sum())


def with_detail(current: pd.DataFrame) -> pd.DataFrame:
    """Discrepancy rows with their sentence in `detail` (app.queries.discrepancies)."""
    return current.assign(detail=[detail_text(r) for r in current.itertuples(index=False)])


def label(row) -> str:
    """One item in a list to pick from: kind — unit — cohort, dose — state."""
    parts = [row.kind_text, row.unit_name]
    if not F.missing(row.cohort) and row.cohort:
        parts.append(F.cohort(row.cohort) + ("" if F.missing(row.dose) else f" {F.dose_label(int(row.dose))}"))
    return " — ".join(parts) + f" ({row.state_text})"


def history_frame(history: list[dict]) -> pd.DataFrame:
    """An entry's changes (app.state.State.ledger_history), newest first, statuses in Vietnamese."""
    frame = pd.DataFrame(history, columns=["at", "login", "address", "old_status", "new_status", "old_reason",
                                           "new_reason", "old_note", "new_note", "old_owner", "new_owner"])
    change = [LEDGER_STATUS.get(n, n) if F.missing(o) else f"{LEDGER_STATUS.get(o, o)} → {LEDGER_STATUS.get(n, n)}"
              for o, n in zip(frame["old_status"], frame["new_status"], strict=True)]
    return frame.assign(change=change).iloc[::-1].reset_index(drop=True)


def key_from_text(text: str) -> tuple[str, str, str, int]:
    """key_text() read back: (kind, unit_code, cohort or '', dose or 0), as State.ledger_write takes them."""
    kind, unit_code, cohort, dose = text.split("|")
    return kind, unit_code, cohort, int(dose)
