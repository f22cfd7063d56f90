"""The directive targets file (TOML) -> raw.targets, raw.target_revisions, raw.min_intervals, raw.report_schedule,
raw.directive_quotes."""
from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path

import duckdb
import pandas as pd

from etl.contracts import COHORTS
from etl.values import parse_date
from etl.readers import FileError

KINDS = ("coverage", "report_deadline", "plan_milestone")
DEFAULTS = Path(__file__).resolve().parent / "defaults" / "targets.toml"


def _date(value: object, where: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return parse_date(str(value))
    except ValueError as exc:
        raise FileError(str(exc), column=where) from None


def _provinces(value: object, where: str) -> str | None:
    """`provinces = ["26"]`: the provinces whose own directive it is (it binds or speaks to them only); None: national."""
    if value is not None and (not isinstance(value, list) or not value or not all(
            isinstance(c, str) and re.fullmatch(r"\d{2}", c) for c in value)):
        raise FileError('provinces phải là danh sách mã tỉnh 2 chữ số, ví dụ provinces = ["26"]', column=where)
    return ",".join(value) if value else None


def parse_targets(text: str) -> dict[str, pd.DataFrame]:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FileError(f"tệp TOML không hợp lệ: {exc}") from exc
    targets, revisions, intervals = [], [], []
    for i, t in enumerate(doc.get("target", []), start=1):
        where = f"[[target]] thứ {i}"
        for key in ("id", "kind", "title", "source_document", "deadline"):
            if key not in t:
                raise FileError(f'thiếu khóa "{key}"', column=where)
        if t["kind"] not in KINDS:
            raise FileError(f'kind "{t["kind"]}" không hợp lệ (nhận: {", ".join(KINDS)})', column=where)
        if t["kind"] == "coverage":
            if t.get("cohort") not in COHORTS:
                raise FileError(f'cohort "{t.get("cohort")}" không hợp lệ', column=where)
            if t.get("dose") not in (1, 2, 3, 4):
                raise FileError(f'dose "{t.get("dose")}" không hợp lệ (1–4)', column=where)
            pct = t.get("threshold_pct")
            if not isinstance(pct, (int, float)) or not 0 < pct <= 100:
                raise FileError(f'threshold_pct "{pct}" phải trong khoảng 0–100', column=where)
            if t.get("population_version", "start") not in ("start", "current"):
                raise FileError("population_version phải là start hoặc current", column=where)
        provinces = _provinces(t.get("provinces"), where)
        original = _date(t["deadline"], where)
        revs = t.get("revisions", [])
        for j, r in enumerate(revs, start=1):
            revisions.append({
                "target_id": t["id"], "revision_no": j, "deadline": _date(r["deadline"], f"{where}, revisions {j}"),
                "source_document": r.get("source_document"), "note": r.get("note"),
            })
        in_force = _date(revs[-1]["deadline"], where) if revs else original
        targets.append({
            "target_id": t["id"], "kind": t["kind"], "title": t["title"], "source_document": t["source_document"],
            "quote": t.get("quote"), "cohort": t.get("cohort"), "dose": t.get("dose"),
            "threshold_pct": float(t["threshold_pct"]) if "threshold_pct" in t else None,
            "population_version": t.get("population_version", "start") if t["kind"] == "coverage" else None,
            "responsible": t.get("responsible", "district"), "deadline": in_force, "original_deadline": original,
            # the provinces whose own directive set it; None = a national directive, every province
            "provinces": provinces,
        })
    ids = [t["target_id"] for t in targets]
    if len(set(ids)) != len(ids):
        raise FileError("mã chỉ tiêu (id) bị trùng: " + ", ".join(sorted({i for i in ids if ids.count(i) > 1})))
    for i, m in enumerate(doc.get("min_interval", []), start=1):
        where = f"[[min_interval]] thứ {i}"
        if m.get("cohort") not in COHORTS:
            raise FileError(f'cohort "{m.get("cohort")}" không hợp lệ', column=where)
        intervals.append({
            "cohort": m["cohort"], "from_dose": int(m["from_dose"]), "to_dose": int(m["to_dose"]),
            "days": int(m["days"]), "effective_from": _date(m["effective_from"], where),
            "source_document": m.get("source_document"),
        })
    quotes = []
    for i, q in enumerate(doc.get("quote", []), start=1):
        where = f"[[quote]] thứ {i}"
        for key in ("topic", "text", "source_document"):
            if not isinstance(q.get(key), str) or not q[key].strip():
                raise FileError(f'thiếu khóa "{key}"', column=where)
        quotes.append({"topic": q["topic"], "quote": q["text"].strip(), "source_document": q["source_document"],
                       "provinces": _provinces(q.get("provinces"), where)})
    schedule = doc.get("report_schedule", {})
    return {
        "targets": pd.DataFrame(targets),
        "target_revisions": pd.DataFrame(revisions, columns=["target_id", "revision_no", "deadline", "source_document", "note"]),
        "min_intervals": pd.DataFrame(intervals, columns=["cohort", "from_dose", "to_dose", "days", "effective_from", "source_document"]),
        "directive_quotes": pd.DataFrame(quotes, columns=["topic", "quote", "source_document", "provinces"]),
        "report_schedule": pd.DataFrame([{
            "district_report_weekday": int(schedule.get("district_report_weekday", 0)),
            "grace_days": int(schedule.get("grace_days", 0)),
        }]),
    }


def load_targets(con: duckdb.DuckDBPyConnection, path: Path | None, file_id: str) -> int:
    """Replace the raw target tables with this file's content (the latest targets file wins whole)."""
    text = (path or DEFAULTS).read_text(encoding="utf-8")
    tables = parse_targets(text)
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for name, frame in tables.items():
        frame = frame.assign(file_id=file_id)
        con.register("_t", frame)
        con.execute(f"CREATE OR REPLACE TABLE raw.{name} AS SELECT * FROM _t")
        con.unregister("_t")
    return len(tables["targets"])
