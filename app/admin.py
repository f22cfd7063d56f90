"""Command line of the accounts and the state database (`python -m app.admin`): its help and its errors are in
Vietnamese, like the ETL's.

Issued passwords are printed once, on stdout, and stored only as argon2id hashes: the operator hands them over, and
their holder must change them at first sign-in. Wrong usage or a refused change (an unknown login, a role that does
not exist) ends the command with exit code 2 and one line on stderr.
"""
from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import sys
import tomllib
from pathlib import Path

from app.state import ROLES, State, UnknownLogin, open_state
from etl.argparse_vi import command_parser, run_command
from etl.settings import Settings, load_settings

EXIT_USAGE = 2

DESCRIPTION = """\
Quản lý tài khoản và cơ sở dữ liệu trạng thái (tài khoản, phiên đăng nhập, nhật ký, sổ theo dõi chênh lệch) của
bảng điều hành phòng, chống dịch COVID-19 cấp tỉnh.

  python -m app.admin create LOGIN --name "Nguyễn Văn A" --role member   tạo tài khoản, in mật khẩu cấp lần đầu
  python -m app.admin create LOGIN --name "…" --role district --district 243   tài khoản của một huyện
  python -m app.admin create LOGIN --name "…" --role committee --province 26   chỉ thấy tỉnh 26 (bản toàn quốc)
  python -m app.admin disable LOGIN | enable LOGIN      khóa / mở khóa tài khoản (khóa thì kết thúc mọi phiên)
  python -m app.admin reset-password LOGIN             cấp lại mật khẩu (phải đổi khi đăng nhập)
  python -m app.admin list                             liệt kê tài khoản
  python -m app.admin import-members                   tạo tài khoản cho các ủy viên trong bảng phân công
  python -m app.admin backup ĐÍCH                      sao lưu cơ sở dữ liệu trạng thái (khi máy chủ đang chạy)
  python -m app.admin audit [--since 2022-03-01] [--login L] [--event E]   nhật ký, mới nhất trước

Vai trò: """ + ", ".join(f"{k} ({v})" for k, v in ROLES.items()) + """.
Thư mục dữ liệu: --data-dir, nếu không có thì $COVID_DATA_DIR, nếu không có thì ./data. Cơ sở dữ liệu trạng thái nằm
ở state/state.sqlite3 trong thư mục dữ liệu. Mã thoát: 0 xong; 2 dùng sai lệnh hoặc bị từ chối (lý do trên stderr).
"""
ISSUED = "mật khẩu cấp lần đầu, phải đổi khi đăng nhập"


class UsageError(Exception):
    """Wrong usage or a refused change: exit code 2, the reason on stderr."""


def _address() -> str:
    """Who ran the command, for the audit log: the machine's user, as the command line knows no account."""
    try:
        return f"dòng lệnh ({getpass.getuser()})"
    except Exception:  # noqa: BLE001 — no user name in some containers
        return "dòng lệnh"


def _settings(args) -> Settings:
    try:
        settings = load_settings(args.data_dir)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"không đọc được settings.toml của thư mục dữ liệu: {exc}") from None
    if not settings.data_dir.is_dir():  # a mistyped folder would get a new, empty state database
        raise UsageError(f"thư mục dữ liệu {settings.data_dir} không tồn tại: kiểm tra --data-dir "
                         "(hoặc COVID_DATA_DIR)")
    return settings


def _state(args) -> State:
    return open_state(_settings(args))


def cmd_create(args) -> int:
    password = _state(args).create_account(args.login, args.name, args.role, args.district,
                                           province_code=args.province, by=None,
                                           address=_address())
    print(f"Đã tạo tài khoản {args.login.strip().lower()} ({ROLES[args.role]}). {ISSUED.capitalize()}: {password}")
    return 0


def cmd_disable(args) -> int:
    _state(args).set_disabled(args.login, True, address=_address())
    print(f"Đã khóa tài khoản {args.login.strip().lower()}; mọi phiên đăng nhập của tài khoản đã kết thúc.")
    return 0


def cmd_enable(args) -> int:
    _state(args).set_disabled(args.login, False, address=_address())
    print(f"Đã mở khóa tài khoản {args.login.strip().lower()}.")
    return 0


def cmd_reset(args) -> int:
    password = _state(args).reset_password(args.login, address=_address())
    print(f"Đã cấp lại mật khẩu cho {args.login.strip().lower()}. {ISSUED.capitalize()}: {password}")
    return 0


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


def cmd_list(args) -> int:
    accounts = _state(args).accounts()
    if not accounts:
        print("Chưa có tài khoản nào. Tạo: python -m app.admin create LOGIN --name \"…\" --role admin")
        return 0
    _table(("Tài khoản", "Họ tên", "Vai trò", "Huyện", "Khóa", "Phải đổi mật khẩu"),
           [(a.login, a.full_name, ROLES.get(a.role, a.role), a.district_code or "", "khóa" if a.disabled else "",
             "có" if a.must_change_password else "") for a in accounts])
    return 0


def member_logins(settings: Settings) -> list[tuple[str, str]]:
    """(login, name) of every standing-committee member the current snapshot's assignments name, read through the
    warehouse's one door (app.queries, read-only)."""
    import streamlit.logger

    streamlit.logger.set_log_level("error")  # outside a server its caches warn, once each, that there is no runtime
    from app import queries

    snapshot = queries.snapshot_path(settings)
    if snapshot is None:
        raise UsageError(f"chưa có bản dữ liệu nào được công bố trong {settings.warehouse}: chạy python -m etl run")
    return queries.member_logins(snapshot, queries.all_districts(snapshot))


def cmd_import_members(args) -> int:
    settings = _settings(args)
    members = member_logins(settings)
    state = open_state(settings)
    created = 0
    for login, name in members:
        if state.account(login) is not None:
            continue
        try:
            password = state.create_account(login, name, "member", address=_address())
        except ValueError as exc:
            print(f"Bỏ qua {login}: {exc}", file=sys.stderr)
            continue
        created += 1
        print(f"{login}  {name}  {password}")
    print(f"Đã tạo {created} tài khoản ủy viên ({ISSUED}); {len(members) - created} ủy viên khác trong bảng phân công "
          "đã có tài khoản hoặc bị bỏ qua.")
    return 0


def cmd_backup(args) -> int:
    try:
        path = _state(args).backup(Path(args.dest))
    except FileExistsError as exc:
        raise UsageError(str(exc)) from None
    print(path)
    return 0


def _day(text: str) -> dt.datetime:
    try:
        return dt.datetime.combine(dt.date.fromisoformat(text), dt.time())
    except ValueError:
        raise argparse.ArgumentTypeError(f'"{text}" không phải ngày dạng YYYY-MM-DD') from None


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f'"{text}" không phải số nguyên dương')
    return int(text)


def cmd_audit(args) -> int:
    rows = _state(args).audit_log(since=args.since, login=args.login, event=args.event, limit=args.limit)
    _table(("Thời điểm", "Sự kiện", "Tài khoản", "Địa chỉ", "Chi tiết"),
           [(r["at"].strftime("%Y-%m-%d %H:%M:%S"), r["event"], r["login"] or "", r["address"] or "",
             json.dumps(r["detail"], ensure_ascii=False) if r["detail"] else "") for r in rows])
    return 0


def _parser() -> argparse.ArgumentParser:
    parser, sub_command = command_parser("python -m app.admin", DESCRIPTION)

    def command(name: str, help_text: str, func, *, login: bool = False) -> argparse.ArgumentParser:
        p = sub_command(name, help_text, func)
        if login:
            p.add_argument("login", metavar="LOGIN", help="tên đăng nhập")
        return p

    p = command("create", "tạo tài khoản và in mật khẩu cấp lần đầu (một lần)", cmd_create, login=True)
    p.add_argument("--name", required=True, metavar="HỌ_TÊN", help='họ tên, ví dụ "Nguyễn Văn A"')
    p.add_argument("--role", required=True, choices=list(ROLES), metavar="VAI_TRÒ",
                   help="vai trò: " + ", ".join(f"{k} ({v})" for k, v in ROLES.items()))
    p.add_argument("--district", metavar="MÃ_HUYỆN", help="mã GSO của huyện (chỉ cho vai trò district)")
    p.add_argument("--province", metavar="MÃ_TỈNH",
                   help="gắn tài khoản với một tỉnh (mã GSO 2 chữ số): trên bản dữ liệu toàn quốc chỉ thấy tỉnh đó")
    command("disable", "khóa tài khoản (kết thúc mọi phiên đăng nhập của tài khoản)", cmd_disable, login=True)
    command("enable", "mở khóa tài khoản", cmd_enable, login=True)
    command("reset-password", "cấp lại mật khẩu (phải đổi khi đăng nhập) và in ra", cmd_reset, login=True)
    command("list", "liệt kê tài khoản", cmd_list)
    command("import-members", "tạo tài khoản ủy viên cho mỗi tài khoản trong bảng phân công của bản dữ liệu "
            "đang dùng mà chưa có (tài khoản đã có giữ nguyên)", cmd_import_members)
    p = command("backup", "sao lưu cơ sở dữ liệu trạng thái (an toàn khi máy chủ đang ghi)", cmd_backup)
    p.add_argument("dest", metavar="ĐÍCH", help="tệp sao lưu mới, hoặc thư mục (tên tệp theo thời điểm)")
    p = command("audit", "in nhật ký, mới nhất trước", cmd_audit)
    p.add_argument("--since", type=_day, metavar="YYYY-MM-DD", help="từ ngày này")
    p.add_argument("--login", metavar="LOGIN", help="chỉ tài khoản này")
    p.add_argument("--event", metavar="SỰ_KIỆN", help="chỉ sự kiện này, ví dụ sign_in_failed, ledger_edit")
    p.add_argument("--limit", type=_positive, default=200, metavar="SỐ", help="số dòng nhiều nhất (mặc định 200)")
    return parser


def main(argv: list[str] | None = None) -> int:
    return run_command(_parser, argv, "python -m app.admin", (UsageError, UnknownLogin, ValueError), EXIT_USAGE)


if __name__ == "__main__":
    sys.exit(main())
