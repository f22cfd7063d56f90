"""The directive targets file (TOML) -> raw.targets, raw.target_revisions, raw.min_intervals, raw.report_schedule,
raw.directive_quotes, raw.vaccine_approvals (which cohorts and doses each vaccine product may be given for, and its
vial size: the allocation proposal's rules)."""
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
    approvals = [_approval(a, i) for i, a in enumerate(doc.get("approval", []), start=1)]
    products = [a["product"] for a in approvals]
    if len(set(products)) != len(products):
        raise FileError("vắc xin khai báo phạm vi sử dụng hai lần: "
                        + ", ".join(sorted({p for p in products if products.count(p) > 1})))
    schedule = doc.get("report_schedule", {})
    return {
        "targets": pd.DataFrame(targets),
        "target_revisions": pd.DataFrame(revisions, columns=["target_id", "revision_no", "deadline", "source_document", "note"]),
        "min_intervals": pd.DataFrame(intervals, columns=["cohort", "from_dose", "to_dose", "days", "effective_from", "source_document"]),
        "directive_quotes": pd.DataFrame(quotes, columns=["topic", "quote", "source_document", "provinces"]),
        "vaccine_approvals": pd.DataFrame(approvals, columns=list(APPROVAL_COLUMNS)),
        "report_schedule": pd.DataFrame([{
            "district_report_weekday": int(schedule.get("district_report_weekday", 0)),
            "grace_days": int(schedule.get("grace_days", 0)),
        }]),
    }


APPROVAL_COLUMNS = ("product", "cohorts", "doses", "doses_per_vial", "source_document", "note")


def _approval(a: dict, i: int) -> dict:
    """One `[[approval]]`: product, cohorts (of COHORTS), doses (1–4), doses_per_vial (≥ 1), source_document."""
    where = f"[[approval]] thứ {i}"
    for key in ("product", "cohorts", "doses", "doses_per_vial", "source_document"):
        if key not in a:
            raise FileError(f'thiếu khóa "{key}"', column=where)
    if not isinstance(a["product"], str) or not a["product"].strip():
        raise FileError("product phải là tên vắc xin như trong sổ theo dõi vắc xin", column=where)
    cohorts = a["cohorts"]
    if not isinstance(cohorts, list) or not cohorts or any(c not in COHORTS for c in cohorts):
        raise FileError(f'cohorts phải là danh sách trong {", ".join(COHORTS)}', column=where)
    doses = a["doses"]
    if not isinstance(doses, list) or not doses or any(d not in (1, 2, 3, 4) for d in doses):
        raise FileError("doses phải là danh sách mũi trong 1–4", column=where)
    per_vial = a["doses_per_vial"]
    if not isinstance(per_vial, int) or isinstance(per_vial, bool) or per_vial < 1:
        raise FileError(f'doses_per_vial "{per_vial}" phải là số nguyên từ 1', column=where)
    return {"product": a["product"].strip(), "cohorts": ",".join(cohorts), "doses": ",".join(map(str, sorted(doses))),
            "doses_per_vial": per_vial, "source_document": str(a["source_document"]), "note": a.get("note")}


def load_targets(con: duckdb.DuckDBPyConnection, path: Path | None, file_id: str) -> int:
    """Replace the raw target tables with this file's content (the latest targets file wins whole)."""
    text = (path or DEFAULTS).read_text(encoding="utf-8")
    tables = parse_targets(text)
    if path is not None and tables["vaccine_approvals"].empty:
        # a province's targets file written before approvals existed: the shipped approvals, said so on screen
        shipped = parse_targets(DEFAULTS.read_text(encoding="utf-8"))["vaccine_approvals"]
        tables["vaccine_approvals"] = shipped.assign(note=[
            "; ".join(filter(None, (n if isinstance(n, str) else None, "theo cấu hình mặc định của chương trình: tệp chỉ tiêu của tỉnh chưa khai báo")))
            for n in shipped["note"]])
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for name, frame in tables.items():
        frame = frame.assign(file_id=file_id)
        con.register("_t", frame)
        con.execute(f"CREATE OR REPLACE TABLE raw.{name} AS SELECT * FROM _t")
        con.unregister("_t")
    return len(tables["targets"])
