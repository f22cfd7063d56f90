"""What the maps of communes draw from (through the one door to the warehouse, app.queries): the communes' polygons
from the province's own boundary file, where it has one, and the figures of every commune of the province."""
from __future__ import annotations

import datetime as dt

import pandas as pd

from app.memo import cached
from app.queries import Scope, _query

SHAPE_COLUMNS = ["commune_code", "commune_name", "geometry_geojson"]
ILLUSTRATIVE_NOTE = "Ranh giới xã minh họa (dựng cho bản dùng thử, không phải ranh giới đo đạc)."


@cached
def has_commune_shapes(snapshot: str) -> bool:
    """Whether the snapshot carries commune boundaries at all (one built before they existed does not)."""
    return bool(_query(snapshot, "has_table", schema="ref", table="commune_shapes")["n"].iloc[0])


@cached
def commune_shapes(snapshot: str, scope: Scope, district: str | None = None) -> pd.DataFrame:
    """(commune_code, commune_name, geometry_geojson) of the communes in scope (of `district`); empty without a file."""
    if not has_commune_shapes(snapshot):
        return pd.DataFrame(columns=SHAPE_COLUMNS)
    return _query(snapshot, "commune_shapes", scope=scope, district=district)


@cached
def commune_source(snapshot: str) -> dict:
    """The commune boundary file (file_name, illustrative, …, missing_reason), {} for a snapshot without the table."""
    if not has_commune_shapes(snapshot):
        return {}
    rows = _query(snapshot, "commune_geo_source")
    return rows.iloc[0].to_dict() if len(rows) else {}


def note(snapshot: str) -> str | None:
    """What every map drawn from the commune boundaries must say about them (the demo's are illustrative)."""
    return ILLUSTRATIVE_NOTE if commune_source(snapshot).get("illustrative") else None


@cached
def coverage_communes(snapshot: str, scope: Scope, as_of: dt.date, cohort: str, dose: int, population: str,
                      metric: str) -> pd.DataFrame:
    """Every commune of the scope with the numerator, denominator and value of `metric` (app.queries.coverage_units
    for one district's)."""
    return _query(snapshot, "coverage_units", scope=scope, as_of=as_of, cohort=cohort, dose=int(dose),
                  population=population, metric=metric, level="commune", district=None)


@cached
def cases_communes(snapshot: str, scope: Scope, as_of: dt.date, district: str | None = None) -> pd.DataFrame:
    """Every commune in scope (of `district`): F0 over 7 days per 100.000 and its week-on-week direction."""
    return _query(snapshot, "cases_communes", scope=scope, as_of=as_of, district=district)


@cached
def boundary_report(snapshot: str, scope: Scope, whole_province: bool) -> dict | None:
    """How the commune boundary file was read (app/sql/commune_boundary_report.sql), with the districts' cross-check
    (`districts`): for a viewer of the whole province only (the lists name communes of every district); None else,
    or for a snapshot without commune boundaries."""
    if not whole_province or not has_commune_shapes(snapshot):
        return None
    rows = _query(snapshot, "commune_boundary_report")
    if rows.empty:
        return None
    report = rows.iloc[0].to_dict()
    report["districts"] = _query(snapshot, "commune_district_check", scope=scope)
    return report


@cached
def deadline_communes(snapshot: str, scope: Scope, as_of: dt.date, target: str) -> pd.DataFrame:
    """Every commune in scope against one coverage target, with numerator, denominator and value for the map."""
    frame = _query(snapshot, "deadline_communes", scope=scope, as_of=as_of, target=target, district=None)
    return frame.rename(columns={"people_vaccinated": "numerator", "population": "denominator",
                                 "achieved_pct": "value"})
