"""What changed since the last briefing: two snapshots compared — the earlier one (the last briefing's, by default)
on its as-of date, the later one (today's) on its own — for a scope (district codes), per unit (each district, and the
scope's total: the province, or the districts of a member together). One implementation for "Huyện của tôi"
(app.changes_view), the page "Giao ban" and the briefing pack (app.briefing_changes).

- target statuses (marts.deadline_status through q.deadline_units) that changed, in the deadlines page's words;
- coverage of the overview's headline cohort × dose figures (q.coverage_headline) on both dates, and the change;
- the F0 7-day rate per 100.000 (INDICATORS.md; app/sql/changes_f0.sql) on both dates, its change and direction;
- exceptions (q.deadline_exceptions, the overview's and "Huyện của tôi"'s) that are new, and those resolved;
- revisions: daily new F0 and doses given per district and day, for days up to the earlier as-of date, whose figure
  differs between the snapshots (a district resent a report), with the file that brought the new figure.

Both snapshots must be built by the current model version (etl.version): a definition change is never a revision. A
briefing's snapshot built by an older version is compared through its copy rebuilt with today's code (etl.copies),
once ready.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from app import formatting as F
from app import queries as q
from app.memo import cached
from etl.version import MODEL_VERSION

NOT_JUDGED = "chưa đánh giá được"
FIGURES = {"new_f0": "F0 mới", "doses_given": "Số mũi tiêm"}


@dataclass(frozen=True)
class Baseline:
    """What today is compared with: a briefing's snapshot (comparable: built by the current model version, or its
    rebuilt copy), as-of date and label; or, when there is none, why (`reason`, a Vietnamese sentence)."""
    snapshot: str | None
    as_of: dt.date | None = None
    label: str | None = None
    reason: str | None = None
    briefing_id: int | None = None
    held_on: dt.date | None = None
    snapshot_name: str | None = None   # the briefing's own snapshot file (the copy's path differs)


NO_BRIEFING = "Chưa có buổi giao ban nào trước để so sánh."


def last_briefing(settings, province: str, *, as_of: dt.date | None = None, held_before: dt.date | None = None,
                  before_briefing: int | None = None, later: str | None = None, ask: bool = True) -> Baseline:
    """The province's last briefing (app.state, newest first) held before `held_before`, with data up to `as_of` at
    the latest, or the one before briefing `before_briefing`; `later`: the snapshot compared with (a briefing of the
    same snapshot and date has nothing to compare). ask: queue the rebuild of an older version's snapshot."""
    from app.briefing_queue import state_of

    store = state_of(settings)
    found = store.briefings(province)
    if before_briefing is not None:
        ref = store.briefing(before_briefing)
        found = [b for b in found if (b.held_on, b.id) < (ref.held_on, ref.id) and b.as_of <= ref.as_of]
        as_of, later = ref.as_of, later or ref.snapshot
    found = [b for b in found if (held_before is None or b.held_on < held_before)
             and (as_of is None or b.as_of <= as_of)
             and not (later is not None and b.snapshot == Path(later).name and b.as_of == as_of)]
    if not found:
        return Baseline(None, reason=NO_BRIEFING)
    return resolved(settings, found[0], ask)


def resolved(settings, briefing, ask: bool = True) -> Baseline:
    """A briefing as a baseline: its snapshot if built by the current model version, else its copy rebuilt with
    today's code (etl.copies) once ready; meanwhile, why not."""
    from etl.snapshots import snapshots_dir

    known = dict(as_of=briefing.as_of, label=briefing.label, briefing_id=briefing.id, held_on=briefing.held_on,
                 snapshot_name=briefing.snapshot)
    path = snapshots_dir(settings) / briefing.snapshot
    if not path.exists():
        return Baseline(None, reason=f"Bản dữ liệu {briefing.snapshot} của buổi giao ban «{briefing.label}» không còn "
                                     "trên máy chủ: không so sánh được.", **known)
    if q.snapshot_version(str(path)) == MODEL_VERSION:
        return Baseline(str(path), **known)
    older = (f"Bản dữ liệu của buổi giao ban «{briefing.label}» do phiên bản cũ của chương trình nạp số liệu dựng; "
             "chỉ so sánh sau khi được tính lại theo định nghĩa hiện hành (để thay đổi định nghĩa không bị coi là số "
             "liệu được sửa).")
    try:
        from etl import copies
    except ImportError:
        return Baseline(None, reason=older + " Chức năng tính lại chưa có trong phiên bản này.", **known)
    copy = copies.comparable(settings, briefing.snapshot)
    if copy is not None:
        return Baseline(str(copy), **known)
    if ask:
        copies.request(settings, briefing.snapshot)
    return Baseline(None, reason=f"{older} {copies.status(settings, briefing.snapshot)}", **known)


@dataclass(frozen=True)
class Side:
    snapshot: str
    as_of: dt.date
    label: str
    run_id: str


@dataclass(frozen=True, eq=False)
class Changes:
    """The comparison (frames shared by every caller: read, never change them). `reason`: why there is none."""
    earlier: Side
    later: Side
    scope: q.Scope
    names: dict            # unit code -> name: the districts, then the total (when the scope has several)
    total: str | None      # the total's unit code: the province's, or the districts' codes joined by '+'
    statuses: pd.DataFrame
    coverage: pd.DataFrame
    f0: pd.DataFrame
    new_exceptions: pd.DataFrame
    resolved_exceptions: pd.DataFrame
    revisions: pd.DataFrame
    reason: str | None = None


def _side(snapshot: str, as_of: dt.date, label: str, scope: q.Scope) -> Side:
    meta = q.snapshot_meta(snapshot, scope)
    return Side(snapshot, as_of, label, str(meta["run_id"]))


def status_text(status: object, reason: object = None, reached: object = None, days_late: object = None) -> str:
    """A target's status in the deadlines page's words; a missed deadline reached later says when."""
    if F.missing(status):
        return NOT_JUDGED
    word = F.DEADLINE_STATUS.get(status, str(status))
    if status == "missed" and reason == "reached_after_deadline" and not F.missing(reached):
        return f"{word} — đạt ngày {F.date(reached)}, {F.late(days_late)}"
    return word


def _status_rows(snapshot: str, scope: q.Scope, as_of: dt.date, own: list[str]) -> pd.DataFrame:
    frames = []
    for t in q.deadline_targets(snapshot, scope, as_of).itertuples():
        units = q.deadline_units(snapshot, scope, as_of, t.target_id)
        units = units[units["unit_code"].isin(own)]
        if units.empty:
            continue
        frames.append(pd.DataFrame({
            "target_id": t.target_id, "unit_code": units["unit_code"].to_numpy(),
            "about": f"{F.target_short(t.cohort, t.dose)}, {F.deadline_text(t.deadline, t.original_deadline)}",
            "key": [f"{s}/{r == 'reached_after_deadline'}" for s, r in zip(units["status"], units["status_reason"],
                                                                            strict=True)],
            "text": [status_text(*v) for v in zip(units["status"], units["status_reason"], units["reached_date"],
                                                   units["days_late"], strict=True)],
            "status": units["status"].to_numpy(), "judged": units["as_of_date"].to_numpy()}))
    columns = ["target_id", "unit_code", "about", "key", "text", "status", "judged"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def _statuses(e: Side, la: Side, scope: q.Scope, own: list[str], names: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(every target × unit on both sides, the changed ones) with the status before and now."""
    both = _status_rows(e.snapshot, scope, e.as_of, own).merge(
        _status_rows(la.snapshot, scope, la.as_of, own), on=["target_id", "unit_code"], how="outer",
        suffixes=("_before", "_after"))
    both = both.assign(about=both["about_after"].fillna(both["about_before"]),
                       unit_name=both["unit_code"].map(names),
                       text_before=both["text_before"].fillna(NOT_JUDGED),
                       text_after=both["text_after"].fillna(NOT_JUDGED))
    both = both.assign(order=both["unit_code"].map({c: i for i, c in enumerate(names)}))
    both = both.sort_values(["order", "about"], kind="stable").reset_index(drop=True)
    changed = both[both["key_before"].fillna("") != both["key_after"].fillna("")]
    return both, changed.reset_index(drop=True)


def _total_first(names: dict) -> dict:
    """Rows' order: the scope's total first (the province's line a briefing reads first; `names` ends with it when
    the scope has several districts), then the districts."""
    codes = list(names)
    if len(codes) > 1:
        codes = codes[-1:] + codes[:-1]
    return {c: i for i, c in enumerate(codes)}


def _coverage(e: Side, la: Side, units: dict[str, q.Scope], names: dict) -> pd.DataFrame:
    """Each unit's headline cohort × dose coverage (the overview's query over the unit's districts) on both dates."""
    frames = []
    for code, districts in units.items():
        pair = [q.coverage_headline(s.snapshot, districts, s.as_of, "start")
                [["cohort", "dose", "as_of_date", "people", "population", "coverage_pct"]] for s in (e, la)]
        both = pair[0].merge(pair[1], on=["cohort", "dose"], how="outer", suffixes=("_before", "_after"))
        frames.append(both.assign(unit_code=code, unit_name=names[code]))
    if not frames:
        return pd.DataFrame()
    out = pd.concat(frames, ignore_index=True)
    out = out[out["coverage_pct_before"].notna() | out["coverage_pct_after"].notna()]  # a unit without population
    order = {c: i for i, c in enumerate(F.COHORTS)}
    out = out.assign(dose=out["dose"].astype(int), label=[f"{F.cohort(c)} {F.dose_label(d)}" for c, d in
                                                          zip(out["cohort"], out["dose"], strict=True)],
                     change_pp=(out["coverage_pct_after"] - out["coverage_pct_before"]).round(2),
                     change_text=(out["coverage_pct_after"] - out["coverage_pct_before"]).round(2).map(F.signed),
                     _u=out["unit_code"].map(_total_first(names)), _c=out["cohort"].map(order))
    return out.sort_values(["_u", "_c", "dose"], kind="stable").drop(columns=["_u", "_c"]).reset_index(drop=True)


DIRECTION_OF = {1: "up", -1: "down", 0: "flat"}


def _f0(e: Side, la: Side, scope: q.Scope, names: dict, total: str | None) -> pd.DataFrame:
    """The F0 7-day rate per 100.000 of each unit on both dates, its change (per 100.000) and direction."""
    pair = []
    for s in (e, la):
        frame = q._query(s.snapshot, "changes_f0", scope=scope, as_of=s.as_of)
        frame = frame.assign(unit_code=frame["unit_code"].where(frame["unit_level"] == "district", total))
        pair.append(frame[frame["unit_code"].isin(list(names))][
            ["unit_code", "report_date", "new_f0_7d_sum", "population_total", "rate", "is_complete"]])
    out = pair[0].merge(pair[1], on="unit_code", how="outer", suffixes=("_before", "_after"))
    out = out[out["rate_before"].notna() | out["rate_after"].notna()]  # a unit without population: no rate
    change = (out["rate_after"] - out["rate_before"]).round(1)
    sign = change.map(lambda v: None if F.missing(v) else (v > 0) - (v < 0))
    out = out.assign(unit_name=out["unit_code"].map(names), change=change, direction=sign.map(DIRECTION_OF),
                     change_text=change.map(lambda v: F.signed(v, 1)),
                     _u=out["unit_code"].map(_total_first(names)))
    return out.sort_values("_u").drop(columns="_u").reset_index(drop=True)


def _exceptions(e: Side, la: Side, scope: q.Scope, own: list[str], names: dict,
                statuses: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Exceptions of the later side not on the earlier one (new), and the other way round (resolved), keyed by unit and
    target, with the status on both sides."""
    keys = []
    for s in (e, la):
        rows = q.deadline_exceptions(s.snapshot, scope, s.as_of)
        keys.append(set(zip(rows["unit_code"], rows["target_id"], strict=True)) & {
            (u, t) for u, t in zip(statuses["unit_code"], statuses["target_id"], strict=True) if u in own})
    columns = ["unit_code", "unit_name", "target_id", "about", "text_before", "text_after"]

    def listed(found: set) -> pd.DataFrame:
        pick = [(u, t) in found for u, t in zip(statuses["unit_code"], statuses["target_id"], strict=True)]
        return statuses[pick][columns].reset_index(drop=True)

    return listed(keys[1] - keys[0]), listed(keys[0] - keys[1])


def _revisions(e: Side, la: Side, scope: q.Scope, names: dict) -> pd.DataFrame:
    """Figures of days up to the earlier as-of date that differ between the snapshots, both values, and the file of
    the later snapshot that brought the new one (when the later figure came from a file the earlier did not use)."""
    frames = []
    for figure, sql, keys in (("new_f0", "changes_cases_days", ["day", "unit_code"]),
                              ("doses_given", "changes_doses_days", ["day", "unit_code", "cohort", "dose"])):
        before, after = (q._query(s.snapshot, sql, scope=scope, until=e.as_of) for s in (e, la))
        both = before.merge(after, on=keys, how="outer", suffixes=("_before", "_after"))
        both = both[both["value_before"].fillna(0) != both["value_after"].fillna(0)]
        if figure == "doses_given":  # a date's export is one file for every district: name it for a row gone too
            per_day = after.drop_duplicates("day").set_index("day")
            for column in ("file_id", "file_name", "received_at"):
                both[f"{column}_after"] = both[f"{column}_after"].fillna(both["day"].map(per_day[column]))
        else:
            both = both.assign(cohort=None, dose=None)
        brought = both["file_id_after"].notna() & (both["file_id_after"] != both["file_id_before"])
        frames.append(pd.DataFrame({
            "day": pd.to_datetime(both["day"]).dt.date, "unit_code": both["unit_code"], "figure": figure,
            "cohort": both["cohort"], "dose": both["dose"],
            "before": both["value_before"].fillna(0).astype("int64"),
            "after": both["value_after"].fillna(0).astype("int64"),
            "file_name": both["file_name_after"].where(brought), "received_at": both["received_at_after"].where(brought)}))
    out = pd.concat(frames, ignore_index=True)
    what = [FIGURES[f] if f == "new_f0" else f"{FIGURES[f]} {F.cohort(c)} {F.dose_label(d)}"
            for f, c, d in zip(out["figure"], out["cohort"], out["dose"], strict=True)]
    out = out.assign(unit_name=out["unit_code"].map(names), what=what, change=out["after"] - out["before"],
                     change_text=(out["after"] - out["before"]).map(lambda v: F.signed(v, 0)),
                     _u=out["unit_code"].map({c: i for i, c in enumerate(names)}))
    out = out.sort_values(["day", "_u", "figure", "what"], kind="stable").drop(columns="_u").reset_index(drop=True)
    return out.assign(row=[f"{d:%Y%m%d}/{u}/{w}" for d, u, w in zip(out["day"], out["unit_code"], out["what"],
                                                                       strict=True)])


def _empty(e: Side, la: Side, scope: q.Scope, reason: str) -> Changes:
    none = pd.DataFrame()
    return Changes(e, la, tuple(scope), {}, None, none, none, none, none, none, none, reason)


@cached
def compare(earlier: str, earlier_as_of: dt.date, earlier_label: str, later: str, later_as_of: dt.date,
            scope: q.Scope, later_label: str = "nay") -> Changes:
    """The changes from `earlier` on `earlier_as_of` to `later` on `later_as_of`, over `scope` (the viewer's
    districts, never wider): each district, and the scope's total when it has several districts."""
    scope = tuple(scope)
    e, la = _side(earlier, earlier_as_of, earlier_label, scope), _side(later, later_as_of, later_label, scope)
    versions = {q.snapshot_version(earlier), q.snapshot_version(later)}
    if versions != {MODEL_VERSION}:
        return _empty(e, la, scope, "Hai bản dữ liệu không cùng phiên bản định nghĩa hiện hành của chương trình nạp "
                                    "số liệu: chưa so sánh được (thay đổi định nghĩa không phải số liệu được sửa).")
    metas = [q.snapshot_meta(s, scope)["province_code"] for s in (earlier, later)]
    if metas[0] != metas[1]:
        return _empty(e, la, scope, "Hai bản dữ liệu không cùng một tỉnh: không so sánh được.")
    districts = q.districts(later, scope)
    names = dict(zip(districts["district_code"], districts["district_name"], strict=True))
    units: dict[str, q.Scope] = {c: (c,) for c in names}
    total = None
    if len(scope) == len(q.all_districts(later)):
        total = str(metas[1])
        names[total] = q.snapshot_meta(later, scope)["province_name"]
    elif len(scope) > 1:
        total = "+".join(sorted(scope))
        names[total] = "Cộng các huyện"
    if total:
        units[total] = scope
    own = [*scope, *([total] if total == str(metas[1]) else [])]  # the province's own rows: its pack only
    both, changed = _statuses(e, la, scope, own, names)
    new, resolved_ = _exceptions(e, la, scope, own, names, both)
    return Changes(e, la, scope, names, total, changed, _coverage(e, la, units, names), _f0(e, la, scope, names, total),
                   new, resolved_, _revisions(e, la, scope, {c: n for c, n in names.items() if c in scope}))


def since(baseline: Baseline | None, later: str, later_as_of: dt.date, scope: q.Scope,
          later_label: str = "nay") -> Changes | None:
    """compare() from a baseline (None when the baseline has no comparable snapshot: its reason says why)."""
    if baseline is None or baseline.snapshot is None:
        return None
    return compare(baseline.snapshot, baseline.as_of, baseline.label or "", later, later_as_of, tuple(scope),
                   later_label)
