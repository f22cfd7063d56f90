"""Vaccine allocation decisions, part of the state database (app.state.State inherits Decisions; app.state stays its
only door): a proposal of the allocation page (app.allocation) that a Sở Y tế / CDC account saved as the province's
decision. Who (and the name they had then), when (the State's clock), the snapshot it was solved on (its file name:
app.allocation_annex.pin_decision_snapshot keeps it from retention), the as-of date, the what-if settings and need
driver, the solver's proposal and the rows saved (the planner's edits are the difference), the comparison with the
pro-rata split, a note. Saved in one transaction with its audit entry; never changed afterwards (a new decision is
saved instead). pandas and app.formatting are imported where they are used: the administrators' command line
(app.admin) opens the state database without them.

Rows (ROW_COLUMNS), one per district × lot with vials > 0: district, district_name, product, lot, expiry (date),
doses_per_vial, vials, doses (= vials × doses_per_vial: a vial is never split), cohort (the cohorts and doses the lot
serves in that district, in Vietnamese: cohort_text). decision_rows() makes them from an allocation of
app.allocation (ALLOCATION_COLUMNS) and the usage of its evaluation.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from etl.contracts import COHORTS

if TYPE_CHECKING:
    import pandas as pd

    from app.state import Account

DECISION_WRITERS = {"admin", "health"}  # roles that may save a decision
ROW_COLUMNS = ["district", "district_name", "product", "lot", "expiry", "doses_per_vial", "vials", "doses", "cohort"]
EDIT_COLUMNS = ["district", "district_name", "product", "lot", "proposal_vials", "saved_vials", "change_vials"]
LIST_COLUMNS = ["id", "saved_at", "login", "full_name", "province_code", "snapshot", "as_of", "note", "rows", "vials",
                "doses"]
# a lot serves a cohort and dose in a district when it gives at least half a dose of it (less is the solver's rounding,
# not a person)
MIN_DOSES = 0.5
NOT_ALLOWED = "Chỉ tài khoản Sở Y tế / CDC hoặc quản trị mới được lưu quyết định phân bổ vắc xin"


@dataclass(frozen=True, eq=False)
class Decision:
    id: int
    saved_at: dt.datetime
    login: str
    full_name: str
    address: str | None
    province_code: str
    snapshot: str               # the snapshot's file name
    as_of: dt.date
    note: str | None
    settings: dict              # the what-if settings and the need driver, as saved
    summary: dict               # the comparison with pro-rata, as saved
    proposal: pd.DataFrame      # ROW_COLUMNS: what the solver proposed
    rows: pd.DataFrame          # ROW_COLUMNS: what the planner saved (the decision)

    @property
    def vials(self) -> int:
        return int(self.rows["vials"].sum())

    @property
    def doses(self) -> int:
        return int(self.rows["doses"].sum())


def decision_write_allowed(account: Account | None) -> bool:
    """Whether the account may save a decision (the page shows the button only then; decision_save checks again)."""
    return account is not None and not account.disabled and account.role in DECISION_WRITERS


def cohort_text(usage: pd.DataFrame) -> pd.DataFrame:
    """district, lot, cohort: the cohorts and doses each province lot serves in each district, from an Outcome's usage
    (district, source, lot, cohort, dose, doses), e.g. "18 tuổi trở lên mũi 3; 12–17 tuổi mũi 2": cohorts from the
    oldest, doses in order, a cohort served several doses written once ("18 tuổi trở lên mũi 2, 3")."""
    import pandas as pd

    if usage is None or usage.empty:
        return pd.DataFrame(columns=["district", "lot", "cohort"])
    used = usage[(usage["source"] == "province") & (usage["doses"] >= MIN_DOSES)]
    texts = []
    for (district, lot), part in used.groupby(["district", "lot"], sort=True):
        texts.append((str(district), str(lot), _served(part[["cohort", "dose"]].itertuples(index=False, name=None))))
    return pd.DataFrame(texts, columns=["district", "lot", "cohort"])


def cohort_words(code: str) -> str:
    """A cohort as a decision's annex names it: "18 tuổi trở lên", "12–17 tuổi", "5–11 tuổi" (app.formatting's
    age groups, written with an en dash)."""
    from app import formatting as F

    return "18 tuổi trở lên" if code == "18+" else f"{F.cohort(code)} tuổi"


def _served(pairs) -> str:
    doses: dict[str, set[int]] = {}
    for cohort, dose in pairs:
        doses.setdefault(str(cohort), set()).add(int(dose))
    order = [c for c in COHORTS if c in doses] + sorted(c for c in doses if c not in COHORTS)
    return "; ".join(f"{cohort_words(c)} mũi {', '.join(map(str, sorted(doses[c])))}" for c in order)


def decision_rows(allocation: pd.DataFrame, usage: pd.DataFrame | None = None, approvals=None) -> pd.DataFrame:
    """ROW_COLUMNS from an allocation (app.allocation's ALLOCATION_COLUMNS, district name in `name`; or already
    ROW_COLUMNS) and the usage of its evaluation (Outcome.usage): cohort from cohort_text(usage). A row the usage says
    nothing of (a lot sent beyond the district's use) is written with every cohort and dose its product is approved
    for, when `approvals` (app.allocation.Approval records, or a frame of their fields) are given, else left
    empty."""
    import pandas as pd

    frame = allocation.rename(columns={"name": "district_name"}).copy()
    if "cohort" in frame.columns:
        frame = frame.drop(columns="cohort")
    texts = cohort_text(usage if usage is not None else pd.DataFrame())
    frame = frame.astype({"district": str, "lot": str}).merge(texts, on=["district", "lot"], how="left")
    records = approvals.itertuples() if isinstance(approvals, pd.DataFrame) else approvals or ()
    approved = {a.product: _served((c, k) for c in a.cohorts for k in a.doses) for a in records}
    frame["cohort"] = [c if isinstance(c, str) and c else approved.get(p, "")
                       for c, p in zip(frame["cohort"], frame["product"], strict=True)]
    return _rows(frame)


def _rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows checked and in ROW_COLUMNS: doses recomputed from vials (a vial is never split), rows of 0 vials dropped."""
    import pandas as pd

    frame = frame.rename(columns={"name": "district_name"})
    missing = [c for c in ROW_COLUMNS if c not in frame.columns and c not in ("doses", "cohort", "district_name")]
    if missing:
        raise ValueError(f"Thiếu cột {', '.join(missing)} trong bảng phân bổ")
    frame = frame.copy()
    frame["district_name"] = frame["district_name"] if "district_name" in frame.columns else frame["district"]
    frame["cohort"] = frame["cohort"].fillna("") if "cohort" in frame.columns else ""
    if frame[["district", "lot", "product", "vials", "doses_per_vial"]].isna().any().any():
        raise ValueError("Mỗi dòng phân bổ cần huyện, vắc xin, số lô, số lọ và số liều mỗi lọ")
    vials = pd.to_numeric(frame["vials"])
    if ((vials < 0) | (vials != vials.round())).any():
        raise ValueError("Số lọ phải là số nguyên không âm: không chia lẻ lọ")
    per_vial = pd.to_numeric(frame["doses_per_vial"])
    if ((per_vial < 1) | (per_vial != per_vial.round())).any():
        raise ValueError("Số liều mỗi lọ phải là số nguyên dương")
    frame = frame.assign(district=frame["district"].astype(str), lot=frame["lot"].astype(str),
                         product=frame["product"].astype(str), district_name=frame["district_name"].astype(str),
                         vials=vials.astype("int64"), doses_per_vial=per_vial.astype("int64"),
                         expiry=[_day(v) for v in frame["expiry"]])
    frame = frame[frame["vials"] > 0]
    twice = frame[frame.duplicated(["district", "lot"], keep=False)]
    if len(twice):
        r = twice.iloc[0]
        raise ValueError(f"Lô {r.lot} có hai dòng cho {r.district_name}: gộp thành một dòng")
    frame = frame.assign(doses=frame["vials"] * frame["doses_per_vial"])
    return frame[ROW_COLUMNS].sort_values(["district", "expiry", "lot"], na_position="last").reset_index(drop=True)


def _day(value) -> dt.date | None:
    import pandas as pd

    if value is None or (not isinstance(value, (str, dt.date)) and pd.isna(value)):
        return None
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    if isinstance(value, dt.datetime):  # a pandas Timestamp too
        return value.date()
    return value if isinstance(value, dt.date) else pd.Timestamp(value).date()


def decision_edits(decision: Decision) -> pd.DataFrame:
    """EDIT_COLUMNS: the district × lot rows where the saved vials differ from the proposal's (0 where a side has no
    row), change_vials = saved − proposal; empty when the planner saved the proposal as it was."""
    return _edits(decision.proposal, decision.rows)


def _edits(proposal: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    keys = ["district", "lot"]
    both = proposal[keys + ["district_name", "product", "vials"]].merge(
        rows[keys + ["district_name", "product", "vials"]], on=keys, how="outer", suffixes=("_p", "_s"))
    both = both.assign(district_name=both["district_name_s"].fillna(both["district_name_p"]),
                       product=both["product_s"].fillna(both["product_p"]),
                       proposal_vials=both["vials_p"].fillna(0).astype("int64"),
                       saved_vials=both["vials_s"].fillna(0).astype("int64"))
    both = both.assign(change_vials=both["saved_vials"] - both["proposal_vials"])
    return (both[both["change_vials"] != 0][EDIT_COLUMNS].sort_values(keys).reset_index(drop=True))


def _json(value) -> str:
    def plain(v):
        if isinstance(v, (dt.date, dt.datetime)):
            return v.isoformat()
        if hasattr(v, "item"):  # numpy scalars
            return v.item()
        if isinstance(v, (set, frozenset)):
            return sorted(v)
        return str(v)
    return json.dumps(value or {}, ensure_ascii=False, sort_keys=True, default=plain)


class Decisions:
    """The decisions' methods of app.state.State (they use its connection, transaction, clock and audit)."""

    decision_edits = staticmethod(decision_edits)

    def decision_save(self, *, login: str, address: str | None, province_code: str, snapshot: str | Path,
                      as_of: dt.date, settings_json: dict, proposal: pd.DataFrame, rows: pd.DataFrame,
                      summary: dict, note: str | None = None) -> int:
        """Save a decision and audit it ("allocation_decision_saved") in one transaction; its number (id). Only an
        enabled account of a role in DECISION_WRITERS may (PermissionError otherwise). proposal and rows: ROW_COLUMNS
        (decision_rows makes them; an allocation's `name` column is taken for district_name), doses recomputed from
        vials, rows of 0 vials dropped; snapshot: its path or file name (the name is kept)."""
        login = (login or "").strip().lower()
        if not re.fullmatch(r"\d{2}", str(province_code or "")):
            raise ValueError("Mã tỉnh là 2 chữ số (mã GSO), ví dụ 26")
        saved, proposed = _rows(rows), _rows(proposal)
        if saved.empty:
            raise ValueError("Quyết định chưa có dòng nào (huyện × lô với số lọ lớn hơn 0)")
        name = Path(str(snapshot)).name
        if not name:
            raise ValueError("Cần tên bản dữ liệu đã dùng để tính đề xuất")
        day = _day(as_of)
        if day is None:
            raise ValueError("Cần ngày số liệu của đề xuất")
        note = (note or "").strip() or None
        with self._transaction() as con:
            who = con.execute("SELECT full_name, role, disabled FROM accounts WHERE login = ?", (login,)).fetchone()
            if who is None or who["disabled"] or who["role"] not in DECISION_WRITERS:
                raise PermissionError(NOT_ALLOWED)
            cursor = con.execute(
                "INSERT INTO allocation_decisions (saved_at, login, full_name, address, province_code, snapshot, "
                "as_of, settings, summary, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (self._now_text(), login, who["full_name"], address, province_code, name, day.isoformat(),
                 _json(settings_json), _json(summary), note))
            number = int(cursor.lastrowid)
            for kind, frame in (("proposal", proposed), ("saved", saved)):
                con.executemany(
                    "INSERT INTO allocation_decision_rows (decision_id, kind, district, district_name, product, lot, "
                    "expiry, doses_per_vial, vials, doses, cohort) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(number, kind, r.district, r.district_name, r.product, r.lot,
                      r.expiry.isoformat() if r.expiry else None, int(r.doses_per_vial), int(r.vials), int(r.doses),
                      r.cohort or None) for r in frame.itertuples()])
            self._audit(con, "allocation_decision_saved", login, address, dict(
                decision=number, province=province_code, snapshot=name, as_of=day.isoformat(), rows=len(saved),
                vials=int(saved["vials"].sum()), doses=int(saved["doses"].sum()),
                edits=len(_edits(proposed, saved))))
        return number

    def decisions(self, province_code: str | None = None) -> pd.DataFrame:
        """LIST_COLUMNS, newest first: the past decisions (of one province): rows, vials and doses of what was saved."""
        with contextlib.closing(self._connect()) as con:
            found = con.execute(
                "SELECT d.id, d.saved_at, d.login, d.full_name, d.province_code, d.snapshot, d.as_of, d.note, "
                "count(r.lot) AS rows, coalesce(sum(r.vials), 0) AS vials, coalesce(sum(r.doses), 0) AS doses "
                "FROM allocation_decisions d LEFT JOIN allocation_decision_rows r "
                "ON r.decision_id = d.id AND r.kind = 'saved' WHERE (? IS NULL OR d.province_code = ?) "
                "GROUP BY d.id, d.saved_at, d.login, d.full_name, d.province_code, d.snapshot, d.as_of, d.note "
                "ORDER BY d.saved_at DESC, d.id DESC", (province_code, province_code)).fetchall()
        import pandas as pd

        frame = pd.DataFrame([tuple(r) for r in found], columns=LIST_COLUMNS)
        return frame.assign(saved_at=[self._moment(v) for v in frame["saved_at"]],
                            as_of=[dt.date.fromisoformat(v) for v in frame["as_of"]]).astype(
            {"id": "int64", "rows": "int64", "vials": "int64", "doses": "int64"})

    def decision(self, decision_id: int) -> Decision:
        """One saved decision, whole (LookupError when there is none of that number)."""
        with contextlib.closing(self._connect()) as con:
            head = con.execute("SELECT * FROM allocation_decisions WHERE id = ?", (int(decision_id),)).fetchone()
            if head is None:
                raise LookupError(f"Không có quyết định phân bổ số {decision_id}")
            found = con.execute("SELECT * FROM allocation_decision_rows WHERE decision_id = ? "
                                "ORDER BY district, expiry, lot", (int(decision_id),)).fetchall()
        frames = {kind: _read_rows([r for r in found if r["kind"] == kind]) for kind in ("proposal", "saved")}
        return Decision(int(head["id"]), self._moment(head["saved_at"]), head["login"], head["full_name"],
                        head["address"], head["province_code"], head["snapshot"],
                        dt.date.fromisoformat(head["as_of"]), head["note"], json.loads(head["settings"]),
                        json.loads(head["summary"]), frames["proposal"], frames["saved"])


def _read_rows(found: list) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame([{c: r[c] for c in ROW_COLUMNS} for r in found], columns=ROW_COLUMNS)
    return frame.assign(expiry=[dt.date.fromisoformat(v) if v else None for v in frame["expiry"]],
                        cohort=frame["cohort"].fillna("")).astype(
        {"doses_per_vial": "int64", "vials": "int64", "doses": "int64"})
