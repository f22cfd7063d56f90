"""Briefings (giao ban) and the snapshots kept for them, part of the state database (app.state.State inherits
Briefings; app.state stays its only door).

- **Pins**: the one registry of snapshots that retention keeps (etl.snapshots.prune asks kept_snapshots()): a label
  per snapshot file, who pinned it and when. warehouse/pins.json, where they were kept before, is imported once
  (import_pins, called by etl.snapshots).
- **Briefings**: the day, the label, the as-of date and the snapshot a briefing draws from, who created it and when.
  Creating one pins its snapshot in the same transaction (the label added after earlier ones), so that retention never
  deletes it; a briefing's snapshot cannot be unpinned.
- **Packs**: the PDFs made for a briefing, one per scope, which are also the queue of their generation
  (app.briefing_queue): 'queued', 'running', 'done' or 'failed', taken in order of request.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.state import Account

BRIEFING_WRITERS = {"admin", "committee", "health"}  # roles that may create a briefing
PACK_STATUS = {"queued": "đang chờ", "running": "đang tạo…", "done": "đã tạo", "failed": "lỗi"}
NOT_ALLOWED = "Chỉ tài khoản Ban Chỉ đạo, Sở Y tế / CDC hoặc quản trị mới được tạo buổi giao ban"


@dataclass(frozen=True)
class Briefing:
    id: int
    province_code: str
    held_on: dt.date
    label: str
    as_of: dt.date
    snapshot: str          # the snapshot's file name (pinned)
    created_by: str
    created_at: dt.datetime


@dataclass(frozen=True)
class Pack:
    id: int
    briefing_id: int
    scope_key: str         # 'tinh' (the province) or district codes joined by '+'
    scope_name: str
    districts: tuple[str, ...]
    file: str              # relative to the data directory
    status: str            # PACK_STATUS
    requested_by: str
    requested_at: dt.datetime
    generated_at: dt.datetime | None
    bytes: int | None
    error: str | None


def briefing_write_allowed(account: Account | None) -> bool:
    return account is not None and not account.disabled and account.role in BRIEFING_WRITERS


def merged_label(earlier: str | None, label: str) -> str:
    """A snapshot's label with `label` added after the earlier ones ("a; b"), said once."""
    if not earlier:
        return label
    return earlier if label in earlier.split("; ") else f"{earlier}; {label}"


def _day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


class Briefings:
    """The pins', briefings' and packs' methods of app.state.State (its connection, transaction, clock and audit)."""

    # --- pins ---------------------------------------------------------------------------------------------------

    def pins(self) -> dict[str, str]:
        """{snapshot file name: label} of every pinned snapshot."""
        with contextlib.closing(self._connect()) as con:
            return {r["snapshot"]: r["label"] for r in con.execute("SELECT snapshot, label FROM pins ORDER BY snapshot")}

    def pin(self, snapshot: str, label: str, by: str | None = None) -> None:
        """Keep a snapshot whatever the retention count; its label replaced by `label`."""
        if not (label or "").strip():
            raise ValueError("Cần ghi chú cho bản dữ liệu được giữ")
        with self._transaction() as con:
            self._pin(con, snapshot, label.strip(), by)

    def _pin(self, con, snapshot: str, label: str, by: str | None) -> None:
        con.execute("INSERT INTO pins (snapshot, label, pinned_by, pinned_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (snapshot) DO UPDATE SET label = excluded.label, pinned_by = excluded.pinned_by, "
                    "pinned_at = excluded.pinned_at", (snapshot, label, by, self._now_text()))

    def unpin(self, snapshot: str) -> None:
        """Let retention delete a snapshot again; refused (ValueError) for a briefing's snapshot."""
        with self._transaction() as con:
            held = con.execute("SELECT label FROM briefings WHERE snapshot = ? ORDER BY id", (snapshot,)).fetchall()
            if held:
                raise ValueError(f"bản dữ liệu {snapshot} là của buổi giao ban «{held[0]['label']}»: được giữ "
                                 "vĩnh viễn, không bỏ giữ được")
            con.execute("DELETE FROM pins WHERE snapshot = ?", (snapshot,))

    def import_pins(self, pins: dict[str, str], by: str) -> int:
        """Pins of an older registry (pins.json), each kept unless already here; how many were added."""
        with self._transaction() as con:
            return sum(con.execute("INSERT INTO pins (snapshot, label, pinned_by, pinned_at) VALUES (?, ?, ?, ?) "
                                   "ON CONFLICT (snapshot) DO NOTHING",
                                   (str(name), str(label), by, self._now_text())).rowcount
                       for name, label in pins.items())

    def kept_snapshots(self) -> set[str]:
        """The snapshot file names retention must keep: pinned, or drawn on by a briefing."""
        with contextlib.closing(self._connect()) as con:
            return {r[0] for r in con.execute("SELECT snapshot FROM pins UNION SELECT snapshot FROM briefings")}

    # --- briefings ----------------------------------------------------------------------------------------------

    def briefing_create(self, *, login: str, address: str | None, province_code: str, held_on: dt.date, label: str,
                        as_of: dt.date, snapshot: str) -> int:
        """A new briefing, its snapshot pinned and the creation audited ("briefing_created"), in one transaction; its
        number. Only an enabled account of a role in BRIEFING_WRITERS may (PermissionError otherwise)."""
        login = (login or "").strip().lower()
        label = (label or "").strip()
        # days, whatever a caller passes (a pandas Timestamp, a datetime): stored as ISO days
        held_on, as_of = (d.date() if isinstance(d, dt.datetime) else d for d in (held_on, as_of))
        if not label:
            raise ValueError("Cần tên buổi giao ban, ví dụ «Giao ban BCĐ tỉnh 15/03/2022»")
        if not snapshot:
            raise ValueError("Cần tên bản dữ liệu của buổi giao ban")
        with self._transaction() as con:
            who = con.execute("SELECT role, disabled FROM accounts WHERE login = ?", (login,)).fetchone()
            if who is None or who["disabled"] or who["role"] not in BRIEFING_WRITERS:
                raise PermissionError(NOT_ALLOWED)
            number = int(con.execute(
                "INSERT INTO briefings (province_code, held_on, label, as_of, snapshot, created_by, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)", (province_code, held_on.isoformat(), label, as_of.isoformat(),
                                                 snapshot, login, self._now_text())).lastrowid)
            earlier = con.execute("SELECT label FROM pins WHERE snapshot = ?", (snapshot,)).fetchone()
            self._pin(con, snapshot, merged_label(earlier and earlier["label"], label), login)
            self._audit(con, "briefing_created", login, address, dict(
                briefing=number, label=label, held_on=held_on.isoformat(), as_of=as_of.isoformat(), snapshot=snapshot))
        return number

    def briefings(self, province_code: str | None = None) -> list[Briefing]:
        """Newest first (by the day held, then by creation)."""
        with contextlib.closing(self._connect()) as con:
            rows = con.execute("SELECT * FROM briefings WHERE (? IS NULL OR province_code = ?) "
                               "ORDER BY held_on DESC, id DESC", (province_code, province_code)).fetchall()
        return [self._briefing(r) for r in rows]

    def briefing(self, number: int) -> Briefing:
        with contextlib.closing(self._connect()) as con:
            row = con.execute("SELECT * FROM briefings WHERE id = ?", (int(number),)).fetchone()
        if row is None:
            raise LookupError(f"Không có buổi giao ban số {number}")
        return self._briefing(row)

    def _briefing(self, r) -> Briefing:
        return Briefing(int(r["id"]), r["province_code"], _day(r["held_on"]), r["label"], _day(r["as_of"]),
                        r["snapshot"], r["created_by"], self._moment(r["created_at"]))

    # --- packs, and the queue of their generation ---------------------------------------------------------------

    def pack_request(self, briefing_id: int, scope_key: str, scope_name: str, districts: tuple[str, ...], file: str,
                     login: str, address: str | None, made_at: dt.datetime | None = None,
                     size: int | None = None, again: bool = False) -> Pack:
        """The pack of a briefing for a scope: the one already requested or made, else a new request at the end of
        the queue (a failed one is queued again, and a done one with `again`: its file is gone); `made_at` and `size`:
        the file is already made (the cache), the pack is recorded done."""
        status = "done" if made_at else "queued"
        made = made_at.isoformat(sep=" ", timespec="microseconds") if made_at else None
        with self._transaction() as con:
            row = con.execute("SELECT id, status FROM briefing_packs WHERE briefing_id = ? AND scope_key = ?",
                              (int(briefing_id), scope_key)).fetchone()
            if row is None:
                con.execute("INSERT INTO briefing_packs (briefing_id, scope_key, scope_name, districts, file, status, "
                            "requested_by, address, requested_at, generated_at, bytes) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            (int(briefing_id), scope_key, scope_name, json.dumps(list(districts)), file, status,
                             login, address, self._now_text(), made, size))
            elif row["status"] == "failed" or (again and row["status"] == "done") or (made and row["status"] != "done"):
                con.execute("UPDATE briefing_packs SET status = ?, requested_by = ?, address = ?, requested_at = ?, "
                            "generated_at = ?, bytes = ?, error = NULL WHERE id = ?",
                            (status, login, address, self._now_text(), made, size, row["id"]))
        return self.pack(int(briefing_id), scope_key)

    def pack(self, briefing_id: int, scope_key: str) -> Pack | None:
        with contextlib.closing(self._connect()) as con:
            row = con.execute("SELECT * FROM briefing_packs WHERE briefing_id = ? AND scope_key = ?",
                              (int(briefing_id), scope_key)).fetchone()
        return self._pack(row) if row else None

    def packs(self, briefing_id: int) -> list[Pack]:
        """A briefing's packs, in order of request."""
        with contextlib.closing(self._connect()) as con:
            rows = con.execute("SELECT * FROM briefing_packs WHERE briefing_id = ? ORDER BY id",
                               (int(briefing_id),)).fetchall()
        return [self._pack(r) for r in rows]

    def pack_claim(self) -> Pack | None:
        """The oldest queued request, now 'running' (the queue's worker, which alone holds its lock)."""
        with self._transaction() as con:
            row = con.execute("SELECT * FROM briefing_packs WHERE status = 'queued' ORDER BY id LIMIT 1").fetchone()
            if row is None:
                return None
            con.execute("UPDATE briefing_packs SET status = 'running' WHERE id = ?", (row["id"],))
        return self._pack(row)

    def pack_requeue_running(self) -> int:
        """Requests a killed worker left 'running', queued again (called by the worker holding the queue's lock)."""
        with self._transaction() as con:
            return con.execute("UPDATE briefing_packs SET status = 'queued' WHERE status = 'running'").rowcount

    def pack_done(self, pack: Pack, made_at: dt.datetime, size: int, detail: dict) -> None:
        """The pack's file is written: done, and audited as generated for its requester."""
        with self._transaction() as con:
            con.execute("UPDATE briefing_packs SET status = 'done', generated_at = ?, bytes = ?, error = NULL "
                        "WHERE id = ?", (made_at.isoformat(sep=" ", timespec="microseconds"), int(size), pack.id))
            self._audit(con, "briefing_pack_generated", pack.requested_by, "hàng đợi giao ban", detail)

    def pack_failed(self, pack: Pack, error: str) -> None:
        with self._transaction() as con:
            con.execute("UPDATE briefing_packs SET status = 'failed', error = ? WHERE id = ?", (error, pack.id))

    def packs_waiting(self) -> int:
        with contextlib.closing(self._connect()) as con:
            return con.execute("SELECT count(*) FROM briefing_packs WHERE status IN ('queued', 'running')").fetchone()[0]

    def _pack(self, r) -> Pack:
        return Pack(int(r["id"]), int(r["briefing_id"]), r["scope_key"], r["scope_name"],
                    tuple(json.loads(r["districts"])), r["file"], r["status"], r["requested_by"],
                    self._moment(r["requested_at"]), self._moment(r["generated_at"]), r["bytes"], r["error"])
