"""The reconciliation ledger, part of the state database (app.state.State inherits it; app.state stays its only
door): one entry per discrepancy, keyed (kind, unit code, cohort, dose) — never by report date, so that an entry
outlives the report that raised it — with its status, reason, note and owner, and every change kept in its history.
A missing cohort or dose is stored as '' or 0 (PostgreSQL allows no NULL in a primary key) and read back as None."""
from __future__ import annotations

import contextlib
import sqlite3
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.state import Account

LEDGER_STATUS = {"new": "mới", "in_progress": "đang xử lý", "explained": "đã giải trình",
                 "corrected": "đã sửa số liệu"}
LEDGER_REASONS = ("Nhập thiếu trên nền tảng", "Báo cáo của huyện nhầm", "Người tiêm nơi khác",
                  "Dân số chưa cập nhật", "Khác")
WRITERS = {"admin", "health"}  # roles that may write the ledger (a district account also may, for its own district)


class Ledger:
    """The ledger's methods of app.state.State (they use its connection, transaction, clock and audit)."""

    def ledger_write(self, kind: str, unit_code: str, cohort: str | None, dose: int | None, *, status: str,
                     reason: str | None, note: str | None, owner: str | None, login: str, address: str | None) -> None:
        """Record where a discrepancy stands (upsert by kind, unit, cohort, dose) and keep the change in its history."""
        if status not in LEDGER_STATUS:
            raise ValueError(f"Trạng thái không có: {status} (chọn một trong {', '.join(LEDGER_STATUS)})")
        if reason is not None and reason not in LEDGER_REASONS:
            raise ValueError(f"Lý do không có trong danh sách: {reason}")
        key = (kind, unit_code, cohort or "", int(dose or 0))
        now = self._now_text()
        with self._transaction() as con:
            old = con.execute("SELECT status, reason, note, owner FROM ledger WHERE kind = ? AND unit_code = ? "
                              "AND cohort = ? AND dose = ?", key).fetchone()
            con.execute("INSERT INTO ledger (kind, unit_code, cohort, dose, status, reason, note, owner, updated_by, "
                        "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (kind, unit_code, cohort, dose) "
                        "DO UPDATE SET status = excluded.status, reason = excluded.reason, note = excluded.note, "
                        "owner = excluded.owner, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                        (*key, status, reason, note, owner, login, now))
            was = dict(old) if old else {"status": None, "reason": None, "note": None, "owner": None}
            con.execute("INSERT INTO ledger_history (kind, unit_code, cohort, dose, at, login, address, old_status, "
                        "new_status, old_reason, new_reason, old_note, new_note, old_owner, new_owner) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (*key, now, login, address, was["status"], status, was["reason"], reason, was["note"], note,
                         was["owner"], owner))
            self._audit(con, "ledger_edit", login, address, dict(kind=kind, unit_code=unit_code, cohort=cohort,
                                                                 dose=dose, old_status=was["status"], status=status))

    def ledger_entries(self, unit_codes: tuple[str, ...] | None = None) -> list[dict]:
        """Current entries (kind, unit_code, cohort, dose, status, reason, note, owner, updated_by, updated_at)."""
        with contextlib.closing(self._connect()) as con:
            rows = con.execute("SELECT * FROM ledger ORDER BY unit_code, kind, cohort, dose").fetchall()
        return [_ledger_row(r) | {"updated_at": self._moment(r["updated_at"])} for r in rows
                if unit_codes is None or r["unit_code"] in unit_codes]

    def ledger_history(self, kind: str, unit_code: str, cohort: str | None, dose: int | None) -> list[dict]:
        """Every change of one entry, oldest first: at, login, address, old_/new_ status, reason, note, owner."""
        with contextlib.closing(self._connect()) as con:
            rows = con.execute("SELECT * FROM ledger_history WHERE kind = ? AND unit_code = ? AND cohort = ? AND "
                               "dose = ? ORDER BY at, id", (kind, unit_code, cohort or "", int(dose or 0))).fetchall()
        return [_ledger_row(r) | {"at": self._moment(r["at"])} for r in rows]


def _ledger_row(row: sqlite3.Row) -> dict:
    """A ledger row as a dict, with cohort '' and dose 0 (not applicable) back to None."""
    out = {k: row[k] for k in row.keys() if k != "id"}
    return out | {"cohort": row["cohort"] or None, "dose": row["dose"] or None}


def ledger_write_allowed(account: Account, unit_district_code: str | None) -> bool:
    """admin and health write every entry; a district account only its own district's; other roles none."""
    if account is None or account.disabled:
        return False
    return account.role in WRITERS or (account.role == "district" and account.district_code is not None
                                       and account.district_code == unit_district_code)
