"""The briefing pack: one PDF of what a briefing (giao ban) shows, for the province, one district or a member's
districts, drawn from one snapshot on one as-of date, in the order a briefing runs: the headline, what needs
attention, the maps, the deadline gauges, F0, facility load, stock (app.briefing_sections, app.briefing_detail), and
what changed since the last briefing (app.briefing_changes: app.changes against a baseline, `since=`). Every page is
stamped with the province, the scope, the as-of date, the snapshot and the generation time, and numbered.

`build_pack(snapshot, scope, as_of, since=baseline)` is the one way to make it, a pure function of its arguments (and
the generation time it prints): the command line below calls it, and so can a page or a queue's worker; a pack is the
same bytes for the same snapshot, scope, as-of date, baseline and generation time. The scope is always the
requester's (app.signin.scope_of).

    python -m app.briefing --login L [--district MÃ] [--as-of dd/mm/yyyy] --out tep.pdf [--data-dir THƯ_MỤC]
"""
from __future__ import annotations

import argparse
import datetime as dt
import getpass
import logging
import os
import sys
from pathlib import Path

from app import briefing_changes as BC
from app import briefing_detail as D
from app import briefing_sections as S
from app import changes as C
from app import formatting as F
from app import queries as q
from app.briefing_template import compile_pdf
from etl.argparse_vi import vietnamese_argparse
from etl.version import MODEL_VERSION

EVENT = "briefing_pack_generated"
TITLE = "Báo cáo giao ban"
NATIONAL = "00"


class Refused(Exception):
    """A pack that may not or cannot be made (the reason in Vietnamese): exit code 2 on the command line."""


def pack_of(snapshot: str, scope: q.Scope, as_of: dt.date) -> S.Pack:
    if not scope:
        raise Refused("phạm vi không có huyện nào")
    meta = q.snapshot_meta(snapshot, scope)
    districts = q.districts(snapshot, scope)
    names = dict(zip(districts["district_code"], districts["district_name"], strict=True))
    return S.Pack(snapshot=snapshot, scope=tuple(scope), as_of=as_of, meta=meta, names=names,
                  whole=len(scope) == len(q.all_districts(snapshot)))


def document(p: S.Pack, generated_at: dt.datetime, requested_by: str | None = None,
             since: C.Baseline | None = None) -> dict:
    """The pack as data for app.briefing_template: the stamp, then the blocks of every part in briefing order; the
    last part compares with `since` (app.changes.last_briefing; None: no earlier briefing to compare with)."""
    province = p.meta["province_name"]
    organisation = f"Ban Chỉ đạo phòng, chống dịch COVID-19 {province}"
    blocks = (S.headline(p) + S.attention(p) + D.map_part(p) + D.deadline_part(p) + D.cases_part(p)
              + D.facilities_part(p) + D.stock_part(p) + BC.since_part(p, since))
    return {"title": TITLE, "organisation": organisation, "organisation_upper": organisation.upper(),
            "author": organisation, "province": province, "scope": p.where, "as_of": F.date(p.as_of),
            "snapshot": str(p.meta["run_id"]),
            "generated": F.datetime(generated_at) + (f" bởi {requested_by}" if requested_by else ""),
            "blocks": blocks}


def build_pack(snapshot: str, scope: q.Scope, as_of: dt.date, *, generated_at: dt.datetime | None = None,
               requested_by: str | None = None, since: C.Baseline | None = None) -> bytes:
    """The PDF of the pack of `scope` (district codes: the requester's, never wider) on `as_of` from `snapshot`;
    `since`: the briefing its last part compares with (app.changes.last_briefing), None when there is none."""
    p = pack_of(snapshot, scope, as_of)
    generated_at = generated_at or dt.datetime.now()
    return compile_pdf(document(p, generated_at, requested_by, since), generated_at)


# --- the command line -------------------------------------------------------------------------------------------

DESCRIPTION = """\
Tạo báo cáo giao ban (tệp PDF) từ bản dữ liệu đang dùng: tình hình chung, việc cần xử lý, bản đồ, tiến độ chỉ tiêu,
ca bệnh F0, cơ sở điều trị, vắc xin tồn kho, thay đổi từ buổi giao ban trước (buổi giao ban gần nhất có số liệu đến
ngày đó hoặc trước đó); mỗi trang ghi tỉnh, phạm vi, ngày số liệu, mã bản dữ liệu, thời điểm tạo
và số trang. Phạm vi là phạm vi của tài khoản: tài khoản huyện chỉ có huyện mình, ủy viên các huyện được phân công.
Mỗi lần tạo được ghi vào nhật ký (sự kiện briefing_pack_generated).

  python -m app.briefing --login bcd.tinh --out giao_ban.pdf                    toàn tỉnh, số liệu mới nhất
  python -m app.briefing --login bcd.tinh --district 243 --as-of 14/03/2022 --out vinh_yen.pdf
  python -m app.briefing --login uv.nguyenvana --out uy_vien.pdf                 các huyện được phân công

Dùng với cron (tối trước buổi giao ban, sau lần nạp số liệu hằng đêm):
  30 5 * * 1  cd /srv/bcd && .venv/bin/python -m app.briefing --login bcd.tinh --out /srv/giao_ban/$(date +\\%Y\\%m\\%d).pdf

Thư mục dữ liệu: --data-dir, nếu không có thì $COVID_DATA_DIR, nếu không có thì ./data.
Mã thoát: 0 đã tạo; 2 dùng sai lệnh hoặc bị từ chối (lý do trên stderr).
"""


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m app.briefing", description=DESCRIPTION,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--login", required=True, metavar="TÊN_ĐĂNG_NHẬP",
                   help="tài khoản yêu cầu báo cáo: phạm vi của tài khoản được áp dụng, và được ghi vào nhật ký")
    p.add_argument("--district", metavar="MÃ", help="chỉ một huyện (mã GSO), trong phạm vi của tài khoản")
    p.add_argument("--as-of", metavar="NGÀY", help="số liệu đến ngày dd/mm/yyyy (mặc định: ngày mới nhất)")
    p.add_argument("--out", required=True, metavar="TỆP", help="tệp PDF sẽ ghi")
    p.add_argument("--data-dir", metavar="THƯ_MỤC",
                   help="thư mục dữ liệu (mặc định $COVID_DATA_DIR, nếu không có thì ./data)")
    return p


def parse_date(text: str) -> dt.date:
    try:
        return dt.datetime.strptime(text.strip(), "%d/%m/%Y").date()
    except ValueError:
        raise Refused(f"ngày «{text}» không đúng dạng dd/mm/yyyy (ví dụ 14/03/2022)") from None


def requested_scope(account, snapshot: str, district: str | None) -> q.Scope:
    """The account's scope (app.signin.scope_of), or the one district asked for if it lies within it."""
    from app.signin import scope_of

    scope = scope_of(account, snapshot)
    if not scope:
        raise Refused(f"tài khoản {account.login} chưa được phân công huyện nào trong bản dữ liệu đang dùng")
    if district is None:
        return scope
    if district not in scope:
        known = district in q.all_districts(snapshot)
        raise Refused(f"tài khoản {account.login} không được xem huyện mã {district}"
                      + (" (ngoài phạm vi được phân công)" if known else " (bản dữ liệu không có huyện này)"))
    return (district,)


def _address() -> str:
    try:
        return f"dòng lệnh ({getpass.getuser()})"
    except Exception:  # noqa: BLE001 — no user name in some containers
        return "dòng lệnh"


def run(args) -> int:
    from app.state import open_state
    from etl.settings import load_settings

    settings = load_settings(args.data_dir)
    if not settings.data_dir.is_dir():
        raise Refused(f"thư mục dữ liệu {settings.data_dir} không tồn tại: kiểm tra --data-dir (hoặc COVID_DATA_DIR)")
    store = open_state(settings)
    account = store.account(args.login)
    if account is None or account.disabled:
        raise Refused(f"không có tài khoản {args.login}" if account is None else f"tài khoản {args.login} đã bị khóa")
    snapshot = q.snapshot_path(settings)
    if snapshot is None:
        raise Refused(f"thư mục dữ liệu {settings.data_dir} chưa có bản dữ liệu nào được công bố")
    if q.snapshot_version(snapshot) != MODEL_VERSION:
        raise Refused("bản dữ liệu đang dùng do phiên bản cũ của chương trình nạp số liệu dựng: chạy "
                      "`python -m etl run --rebuild` trước")
    try:
        scope = requested_scope(account, snapshot, args.district)
    except Refused as refusal:
        store.audit("scope_refused", account.login, _address(),
                    {"what": "báo cáo giao ban", "district": args.district, "reason": str(refusal)})
        raise
    meta = q.snapshot_meta(snapshot, scope)
    if meta["province_code"] == NATIONAL:
        raise Refused("bản dữ liệu toàn quốc: báo cáo giao ban là của một tỉnh, hãy dùng thư mục dữ liệu của tỉnh")
    first, last = (meta["first_date"].date(), meta["last_date"].date())
    as_of = parse_date(args.as_of) if args.as_of else last
    if not first <= as_of <= last:
        raise Refused(f"ngày {F.date(as_of)} nằm ngoài số liệu của bản dữ liệu ({F.date(first)} đến {F.date(last)})")
    since = C.last_briefing(settings, str(meta["province_code"]), as_of=as_of, later=snapshot)
    pdf = build_pack(snapshot, scope, as_of, requested_by=account.login, since=since)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.dang-ghi")
    partial.write_bytes(pdf)
    os.replace(partial, out)  # a reader (or a cron mail) never sees half a file
    p = pack_of(snapshot, scope, as_of)
    store.audit(EVENT, account.login, _address(),
                {"scope": p.where, "districts": list(scope), "as_of": F.date(as_of), "snapshot": meta["run_id"],
                 "file": str(out), "bytes": len(pdf)})
    print(f"Đã tạo {out} ({F.num(len(pdf) / 1024, 0)} KB): {TITLE} {p.where}, số liệu đến ngày {F.date(as_of)}, "
          f"bản dữ liệu {meta['run_id']}.")
    return 0


def main(argv: list[str] | None = None) -> int:
    with vietnamese_argparse():
        args = parser().parse_args(argv)
    # Streamlit, imported by the query layer, warns that no server runs: nothing a cron mail should carry
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    try:
        return run(args)
    except Refused as refusal:
        print(f"python -m app.briefing: lỗi: {refusal}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
