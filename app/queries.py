"""The dashboard's only door to the warehouse: every query a page draws from, read-only, cached.

Every cached function takes the snapshot path first: a newly published snapshot is a new path, hence new cache
entries, picked up on the next interaction without a restart. Anything a viewer may or may not see is narrowed by
`scope` (a tuple of district codes) inside the SQL and is part of the cache key, because Streamlit's caches are
shared by every session. Values are always bound parameters; the SQL lives in app/sql/<name>.sql.
"""
from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from app import formatting as F
from app.memo import cached
from app.published import run_log, served_snapshot, snapshot_path  # noqa: F401  (q.* for pages)
from etl import version
from etl.settings import Settings

SQL_DIR = Path(__file__).resolve().parent / "sql"
Scope = tuple[str, ...]


@functools.cache
def _sql(name: str) -> str:
    return (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")


@st.cache_resource(max_entries=4, show_spinner=False)
def _connection(snapshot: str) -> duckdb.DuckDBPyConnection:
    # Snapshot files are never written after publication, so a read-only handle per file is safe to share.
    return duckdb.connect(snapshot, read_only=True)


def _query(snapshot: str, name: str, **params) -> pd.DataFrame:
    """Run app/sql/<name>.sql with $-named parameters on its own cursor (a connection is not thread-safe)."""
    cursor = _connection(snapshot).cursor()
    try:
        frame = cursor.execute(_sql(name), {k: list(v) if isinstance(v, tuple) else v
                                            for k, v in params.items()}).df()
        # what the figures of this frame depend on besides rows (app.figures names a figure by them)
        frame.attrs["parameters"] = {k: v for k, v in params.items() if not isinstance(v, (tuple, dt.date))}
        return frame
    except (duckdb.CatalogException, duckdb.BinderException) as error:
        if snapshot_version(snapshot) == version.MODEL_VERSION:
            # Built by this version: a table or column missing is a bug (a typo in app/sql, a model that lost a
            # column), not a rebuild under way. It surfaces, and the tests fail on it.
            raise
        # A snapshot published by an older version of the ETL lacks a table or column this version reads: say so,
        # instead of a stack trace, while the rebuild the frame starts runs.
        st.error("Bản dữ liệu đang dùng được dựng bởi phiên bản cũ của chương trình nạp số liệu, chưa có bảng hoặc "
                 f"cột mà phần này cần ({_missing_table(error)}). Thanh bên cho biết việc dựng lại bản dữ liệu; nếu "
                 "chưa có ai dựng lại, chạy `python -m etl run --rebuild`.")
        st.stop()
    finally:
        cursor.close()


def _missing_table(error: duckdb.Error) -> str:
    text = str(error)
    for marker in ("with name ", "does not have a column named "):
        start = text.find(marker)
        if start >= 0:
            return text[start + len(marker):].split()[0].strip('"')
    return "không rõ"


def rejected_files(settings: Settings, snapshot: str, scope: Scope) -> pd.DataFrame:
    """Files refused by the latest run that refused any (file, reason, started_at), from the run log. A refused file
    belongs to no district the warehouse knows, and its name or reason may name any (bao_cao_huyen_tam_dao…): a viewer
    whose scope is not the whole snapshot gets the rows without their file name and reason (how many, and when)."""
    runs = [r for r in run_log(settings) if r.get("files_rejected")]
    if not runs:
        return pd.DataFrame(columns=["file", "reason", "started_at"])
    last = runs[-1]
    frame = pd.DataFrame(last["files_rejected"], columns=["file", "reason"])
    if set(scope) != set(all_districts(snapshot)):
        frame = frame.assign(file=None, reason=None)
    return frame.assign(started_at=pd.Timestamp(last.get("started_at")))


@cached
def snapshot_meta(snapshot: str, scope: Scope) -> dict:
    """Run id, build time, province, boundary file (and why there are none), first and last date in the data; for a
    viewer with at least one district of the snapshot (an empty scope is refused before: app.frame)."""
    meta = _query(snapshot, "snapshot_meta", scope=scope).iloc[0].to_dict()
    if F.missing(meta["province_name"]):
        meta["province_name"] = f"Tỉnh mã {meta['province_code']}"
    return meta


@cached
def snapshot_version(snapshot: str) -> str | None:
    """The model version the snapshot was built with (None: built before versions were recorded)."""
    return version.snapshot_version(snapshot, _connection(snapshot))


def open_snapshot(settings: Settings) -> tuple[str | None, str | None]:
    """served_snapshot(), its file open for the process (an open file stays readable when it is removed): a file
    removed between being found and being opened (a publication and its pruning, a file deleted by hand) is looked for
    again."""
    for _ in range(3):
        snapshot, lost = served_snapshot(settings)
        try:
            if snapshot is not None:
                _connection(snapshot)
            return snapshot, lost
        except duckdb.IOException:
            if Path(snapshot).exists():
                raise  # not a file gone: a real fault, it surfaces
    return served_snapshot(settings)


@cached
def all_districts(snapshot: str) -> Scope:
    """Every district code of the province: the scope of a viewer who sees everything."""
    return tuple(_query(snapshot, "all_districts")["district_code"])


@cached
def member_districts(snapshot: str, login: str) -> Scope:
    """The districts whose standing-committee member (marts.assignments.member_login) is `login`: a member's scope."""
    return tuple(_query(snapshot, "member_districts", login=login)["district_code"])


@cached
def member_logins(snapshot: str, scope: Scope) -> list[tuple[str, str]]:
    """(login, name) of every standing-committee member the assignments file names for a district in scope."""
    frame = _query(snapshot, "member_logins", scope=scope)
    return [(login, name or login) for login, name in zip(frame["login"], frame["name"], strict=True)]


@cached
def districts(snapshot: str, scope: Scope) -> pd.DataFrame:
    return _query(snapshot, "districts", scope=scope)


@cached
def source_freshness(snapshot: str, scope: Scope) -> pd.DataFrame:
    return _query(snapshot, "source_freshness", scope=scope)


@cached
def report_submissions(snapshot: str, scope: Scope, as_of: dt.date) -> pd.DataFrame:
    frame = _query(snapshot, "report_submissions", scope=scope, as_of=as_of)
    return frame.assign(state_text=[F.report_state_text(s, d)
                                    for s, d in zip(frame["status"], frame["days_late"], strict=True)])


@cached
def coverage_headline(snapshot: str, scope: Scope, as_of: dt.date, population: str = "start") -> pd.DataFrame:
    """Cohort × dose coverage summed over the scope, and its change over 7 days (percentage points)."""
    return _query(snapshot, "coverage_headline", scope=scope, as_of=as_of, population=population)


@cached
def cases_summary(snapshot: str, scope: Scope, as_of: dt.date) -> dict | None:
    """F0 over the scope on the latest report date by the as-of date; every 7-day figure measured to basis_date, which
    basis_label names in words."""
    frame = _query(snapshot, "cases_summary", scope=scope, as_of=as_of)
    if frame.empty:
        return None
    row = frame.iloc[0].to_dict()
    gap = any(not F.missing(row[k]) and row[k] > 0 for k in ("without_antiviral", "not_monitored"))
    return row | {"basis_label": F.basis_label(row["basis_date"], row["basis_complete"]), "has_gap": gap}


@cached
def cases_trend(snapshot: str, scope: Scope, as_of: dt.date, days: int = 90) -> pd.DataFrame:
    """New F0, 7-day average and rate, active F0 by place, severe and deaths per report date over the scope; days
    not every commune has reported marked (is_complete)."""
    return _query(snapshot, "cases_trend", scope=scope, as_of=as_of, days=int(days))


@cached
def cases_district_trend(snapshot: str, scope: Scope, as_of: dt.date, days: int = 90) -> pd.DataFrame:
    """Each district in scope per report date: 7-day F0 rate per 100.000 beside the province's, for small
    multiples."""
    return _query(snapshot, "cases_district_trend", scope=scope, as_of=as_of, days=int(days))


@cached
def facility_load(snapshot: str, scope: Scope, as_of: dt.date) -> pd.DataFrame:
    return _query(snapshot, "facility_load", scope=scope, as_of=as_of)


@cached
def facilities(snapshot: str, scope: Scope, as_of: dt.date, only_over_quota: bool = False) -> pd.DataFrame:
    return _query(snapshot, "facilities", scope=scope, as_of=as_of, only_over_quota=only_over_quota)


@cached
def reconciliation_flags(snapshot: str, scope: Scope, as_of: dt.date, level: str) -> pd.DataFrame:
    """Report-vs-platform deviations of each district's latest report, at one level: 'district' rows (huyện × nhóm
    tuổi × mũi) or 'commune' rows (xã × nhóm tuổi × mũi). The overview and the data-quality page count these."""
    return _query(snapshot, "reconciliation_flags", scope=scope, as_of=as_of, level=level)


@cached
def reconciliation_units(snapshot: str, scope: Scope, as_of: dt.date, district: str | None = None) -> pd.DataFrame:
    """District rows, or the communes of `district`, from each district's latest report by the as-of date."""
    return _query(snapshot, "reconciliation_units", scope=scope, as_of=as_of,
                  level="commune" if district else "district", district=district)


@cached
def check_summary(snapshot: str, scope: Scope) -> pd.DataFrame:
    return _query(snapshot, "check_summary", scope=scope)


@cached
def check_rows(snapshot: str, scope: Scope, check_id: str, limit: int = 500) -> pd.DataFrame:
    """The rows one data check flagged in the viewer's scope, the latest first, at most `limit`."""
    return _query(snapshot, "check_rows", scope=scope, check_id=check_id, limit=int(limit))


@cached
def deadline_exceptions(snapshot: str, scope: Scope, as_of: dt.date) -> pd.DataFrame:
    """Coverage targets the province or a district will miss at the current pace, or missed, judged on the as-of
    date."""
    frame = _query(snapshot, "deadline_exceptions", scope=scope, as_of=as_of)
    return frame.assign(short_title=[F.target_short(c, d) for c, d in zip(frame["cohort"], frame["dose"], strict=True)])


@cached
def district_shapes(snapshot: str, scope: Scope) -> pd.DataFrame:
    return _query(snapshot, "district_shapes", scope=scope)


@cached
def coverage_units(snapshot: str, scope: Scope, as_of: dt.date, cohort: str, dose: int, population: str,
                   metric: str, district: str | None = None) -> pd.DataFrame:
    """Districts (or the communes of `district`) with numerator, denominator and value of `metric`.

    metric: 'coverage' (%), 'unvaccinated' (people without dose `dose`), 'dropout' (% from dose to dose + 1).
    """
    return _query(snapshot, "coverage_units", scope=scope, as_of=as_of, cohort=cohort, dose=int(dose),
                  population=population, metric=metric, level="commune" if district else "district",
                  district=district)


@cached
def coverage_provinces(snapshot: str, scope: Scope, as_of: dt.date, cohort: str, dose: int, population: str,
                       metric: str) -> pd.DataFrame:
    """coverage_units() one level up, for the whole-country snapshot: each province sums its districts in scope."""
    return _query(snapshot, "coverage_units", scope=scope, as_of=as_of, cohort=cohort, dose=int(dose),
                  population=population, metric=metric, level="province", district=None)


@cached
def cases_district_wide(snapshot: str, scope: Scope, as_of: dt.date, days: int = 90) -> pd.DataFrame:
    """cases_district_trend() one row per report date: the province's 7-day rate per 100.000, then one column per
    district (named by its code, in code order), then districts_incomplete. The table twin of the small multiples."""
    long = cases_district_trend(snapshot, scope, as_of, days)
    wide = long.pivot(index=["report_date", "province_new_f0_7d_per_100k_by_report_date", "districts_incomplete"],
                      columns="unit_code", values="new_f0_7d_per_100k_by_report_date")
    return wide.reset_index().rename_axis(columns=None)


@cached
def provinces(snapshot: str, scope: Scope) -> dict[str, str]:
    """Province code -> name, for the provinces with a district in the viewer's scope."""
    frame = _query(snapshot, "provinces", scope=scope)
    return dict(zip(frame["province_code"], frame["province_name"], strict=True))


@cached
def province_scope(snapshot: str, scope: Scope, province: str) -> Scope:
    """The part of the viewer's scope inside one province: what the whole-country snapshot draws on one map."""
    return tuple(_query(snapshot, "province_scope", scope=scope, province=province)["district_code"])


@cached
def unvaccinated_units(snapshot: str, scope: Scope, as_of: dt.date, district: str | None = None) -> pd.DataFrame:
    return _query(snapshot, "unvaccinated_units", scope=scope, as_of=as_of,
                  level="commune" if district else "district", district=district)


@cached
def deadline_targets(snapshot: str, scope: Scope, as_of: dt.date) -> pd.DataFrame:
    """Coverage targets of the directives (title, source, quote, threshold, deadline in force and original), those
    still ahead of the as-of date first."""
    return _query(snapshot, "deadline_targets", scope=scope, as_of=as_of)


@cached
def deadline_units(snapshot: str, scope: Scope, as_of: dt.date, target: str) -> pd.DataFrame:
    """The province and each district in scope against one coverage target on the as-of date, with who answers."""
    return _query(snapshot, "deadline_units", scope=scope, as_of=as_of, target=target)


@cached
def deadline_communes(snapshot: str, scope: Scope, as_of: dt.date, target: str, district: str) -> pd.DataFrame:
    """The communes of one district ranked by the people still needed for one coverage target."""
    return _query(snapshot, "deadline_communes", scope=scope, as_of=as_of, target=target, district=district)


@cached
def target_reports(snapshot: str, scope: Scope, as_of: dt.date) -> pd.DataFrame:
    """Each unit's report deadlines and plan milestones (and the weekly report of the last 4 weeks) on the as-of
    date: on time, late by N days, not sent, not due yet."""
    frame = _query(snapshot, "target_reports", scope=scope, as_of=as_of)
    return frame.assign(state_text=[F.report_state_text(s, d)
                                    for s, d in zip(frame["state"], frame["days_late"], strict=True)])


@cached
def target_report_summary(snapshot: str, scope: Scope, as_of: dt.date) -> pd.DataFrame:
    """One row per report and due date: units on time, late, missing, not due yet, and the names of the missing."""
    return _query(snapshot, "target_report_summary", scope=scope, as_of=as_of)


@cached
def cases_units(snapshot: str, scope: Scope, as_of: dt.date) -> pd.DataFrame:
    """The province and each district in scope: F0 over 7 days, per 100.000, direction (complete days only)."""
    return _query(snapshot, "cases_units", scope=scope, as_of=as_of)


@cached
def care_gap_units(snapshot: str, scope: Scope, as_of: dt.date, district: str | None = None) -> pd.DataFrame:
    """Districts (or the communes of `district`) by F0 left without medicine or monitoring, largest first."""
    return _query(snapshot, "care_gap_units", scope=scope, as_of=as_of, district=district)


@cached
def facility_districts(snapshot: str, scope: Scope, as_of: dt.date) -> pd.DataFrame:
    """Local facilities per district on the latest status date by the as-of date: beds against quota and 2× quota."""
    return _query(snapshot, "facility_districts", scope=scope, as_of=as_of)


@cached
def facility_flow(snapshot: str, scope: Scope, as_of: dt.date, days: int = 60,
                  district: str | None = None) -> pd.DataFrame:
    """Admissions, discharges and referrals up of the local facilities per status date, the last `days` days: the
    province's own and those of every district in scope, or those located in `district`."""
    return _query(snapshot, "facility_flow", scope=scope, as_of=as_of, days=int(days), district=district)


@cached
def facility_upper(snapshot: str, scope: Scope, as_of: dt.date) -> pd.DataFrame:
    return _query(snapshot, "facility_upper", scope=scope, as_of=as_of)


@cached
def community_care_units(snapshot: str, scope: Scope, as_of: dt.date) -> pd.DataFrame:
    return _query(snapshot, "community_care_units", scope=scope, as_of=as_of)


@cached
def duty_gaps(snapshot: str, scope: Scope, as_of: dt.date) -> pd.DataFrame:
    """Duty checks up to the as-of date that found a commune health station without staff, latest first."""
    return _query(snapshot, "duty_gaps", scope=scope, as_of=as_of)


@cached
def directive_quotes(snapshot: str, topic: str, province: str) -> pd.DataFrame:
    """The directives' wording on a topic that speaks to this province (its own directives, then national ones), from
    the targets file: each province quotes its own documents."""
    return _query(snapshot, "directive_quotes", topic=topic, province=province)


@cached
def discrepancies(snapshot: str, scope: Scope, as_of: dt.date) -> pd.DataFrame:
    """The reconciliation ledger's items on the as-of date (app/sql/discrepancies.sql): kind, unit_code, unit_name,
    district_code, cohort ('' when none), dose (0 when none), ref_date, detail (a sentence) and the numbers behind it;
    keyed (kind, unit_code, cohort, dose), never by a report date. app.ledger_view merges them with the ledger."""
    from app import ledger_view

    return ledger_view.with_detail(_query(snapshot, "discrepancies", scope=scope, as_of=as_of))


@cached
def discrepancy_units(snapshot: str, scope: Scope) -> pd.DataFrame:
    """The units whose ledger entries the viewer sees (the province, the districts in scope and their communes), with
    name and district: an entry whose discrepancy has left the snapshot is still shown to them."""
    return _query(snapshot, "discrepancy_units", scope=scope)
