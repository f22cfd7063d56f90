"""Command line of the nightly ETL (`python -m etl`): its help and its errors are in Vietnamese.

Options are checked before any file is touched: a province that does not exist, a province other than the one the
data directory holds, or a folder to read that does not exist end the command with exit code 2 and the reason on
stderr. Each subcommand offers only the options it uses.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tomllib
from pathlib import Path

from etl import snapshots as S
from etl.argparse_vi import command_parser, run_command
from etl.archive import IGNORED_PREFIXES
from etl.settings import Settings, load_settings, province_origin, record_province, stored_province

EXIT_USAGE = 2

DESCRIPTION = """\
Nạp số liệu hằng đêm cho bảng điều hành phòng, chống dịch COVID-19 cấp tỉnh.

  python -m etl run [--inbox THƯ_MỤC] [--data-dir THƯ_MỤC] [--province MÃ]   lần chạy hằng đêm
  python -m etl run --rebuild                  dựng lại từ kho lưu trữ dù không có tệp mới (sau khi nâng cấp)
  python -m etl current                        đường dẫn bản dữ liệu đang dùng
  python -m etl demo [--province MÃ]           tạo hộp thư mẫu và dựng dữ liệu
  python -m etl pin BẢN_DỮ_LIỆU --label "Giao ban 15/03/2022"   giữ một bản dữ liệu cho buổi giao ban
  python -m etl snapshots | runs               liệt kê các bản dữ liệu / nhật ký các lần chạy

Mã thoát của run và demo: 0 đã công bố (hoặc không có gì mới); 3 đã công bố nhưng có tệp bị từ chối (hoặc chỉ có
tệp bị từ chối); 1 thất bại: không công bố gì, bản dữ liệu trước vẫn được dùng; 2 dùng sai lệnh hoặc tùy chọn;
4 một lần chạy khác đang giữ thư mục dữ liệu: lần này không làm gì.
Thư mục dữ liệu: --data-dir, nếu không có thì $COVID_DATA_DIR, nếu không có thì ./data. Tỉnh: --province, nếu không
có thì $COVID_PROVINCE, nếu không có thì settings.toml của thư mục dữ liệu, nếu không có thì 26. Mỗi thư mục dữ liệu
giữ số liệu của một tỉnh.
"""

class UsageError(Exception):
    """Wrong usage, found before any file was touched: exit code 2, the reason on stderr."""


def _settings(args) -> Settings:
    try:
        return load_settings(args.data_dir, getattr(args, "province", None), getattr(args, "keep", None))
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"không đọc được settings.toml của thư mục dữ liệu: {exc}") from None


def _build_settings(args) -> Settings:
    """The settings of a command that builds (run, demo), once the province is known to exist and to be the one the
    data directory holds: a directory of one province loaded with another's would refuse every file."""
    from etl.units import NATIONAL, provinces

    settings = _settings(args)
    origin = province_origin(getattr(args, "province", None))
    names = dict(zip(provinces()["province_code"], provinces()["province_name"]))
    names[NATIONAL] = "toàn quốc"
    code = settings.province_code
    if code not in names:
        raise UsageError(f'không có tỉnh mã "{code}" (theo {origin}): cần mã GSO hai chữ số của một tỉnh, thành phố '
                         f"(ví dụ 26 là Vĩnh Phúc), hoặc 00 cho toàn quốc")
    for held, where in _held_province(settings):
        if held != code:
            raise UsageError(
                f"thư mục dữ liệu {settings.data_dir} giữ số liệu của {names.get(held, held)} (mã {held}, theo "
                f"{where}), còn lần chạy này là của {names[code]} (mã {code}, theo {origin}). Mỗi thư mục dữ liệu "
                "giữ một tỉnh: bỏ --province (và COVID_PROVINCE) để dùng tỉnh của thư mục, hoặc dùng --data-dir khác "
                "cho tỉnh khác")
    return settings


def _held_province(settings: Settings) -> list[tuple[str, str]]:
    """The province the data directory was built for, as settings.toml and the served snapshot say."""
    held = []
    stored = stored_province(settings)
    if stored:
        held.append((stored, str(settings.settings_file)))
    served = S.current_snapshot(settings)
    if served is not None:
        try:
            code = S.snapshot_province(served)
        except Exception:  # an unreadable snapshot says nothing; the run rebuilds it
            code = None
        if code:
            held.append((code, f"bản dữ liệu đang dùng {served.name}"))
    return held


def cmd_run(args) -> int:
    from etl.pipeline import main_run

    settings = _build_settings(args)
    if not settings.data_dir.is_dir():
        raise UsageError(f"thư mục dữ liệu {settings.data_dir} không tồn tại: kiểm tra --data-dir (hoặc COVID_DATA_DIR)")
    inbox = Path(args.inbox).resolve() if args.inbox else settings.inbox
    # a mistyped folder would otherwise read as "nothing new" and report success every night
    if args.inbox and not inbox.is_dir():
        raise UsageError(f"thư mục nhận tệp {inbox} không tồn tại (hoặc không phải thư mục): kiểm tra đường dẫn --inbox")
    if not args.inbox and not args.rebuild and not inbox.is_dir():
        raise UsageError(f"hộp thư {inbox} không tồn tại: kiểm tra --data-dir (hoặc COVID_DATA_DIR), hoặc tạo thư mục "
                         "inbox/ với một thư mục con cho mỗi nguồn (docs/data-contract.md)")
    record_province(settings)
    if inbox != settings.inbox:
        _take_from(inbox, settings)
    return main_run(settings, rebuild=args.rebuild)


def _take_from(inbox: Path, settings: Settings) -> None:
    """--inbox DIR: new files are moved from DIR into the data directory's inbox, where the run takes them."""
    for path in sorted(inbox.rglob("*")):
        if path.is_file() and not path.name.startswith(IGNORED_PREFIXES):
            target = settings.inbox / path.relative_to(inbox)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            path.unlink()


def cmd_current(args) -> int:
    settings = _settings(args)
    path = S.current_snapshot(settings)
    if path is None:
        print(f"Chưa có bản dữ liệu nào được công bố trong {settings.warehouse}. Chạy: python -m etl run (hoặc demo)",
              file=sys.stderr)
        return 1
    print(path)
    return 0


def cmd_demo(args) -> int:
    """The same build as the launcher's first start: under the data directory's lock, with the progress file the
    dashboard draws its bar from."""
    from etl import firststart, lock
    from etl.pipeline import EXIT_BUSY

    settings = _build_settings(args)
    try:
        result = firststart.build_demo(settings, echo=lambda line: print(line, flush=True))
    except lock.Busy:
        print("Một lần chạy khác đang giữ thư mục dữ liệu này: lần này không làm gì.", file=sys.stderr)
        return EXIT_BUSY
    print(result.summary(), flush=True)
    return result.exit_code


def cmd_pin(args) -> int:
    settings = _settings(args)
    name = Path(args.snapshot).name
    try:
        S.pin(settings, name, args.label, by=_by())
    except FileNotFoundError:
        raise UsageError(f"không có bản dữ liệu {name} trong {S.snapshots_dir(settings)} "
                         "(xem: python -m etl snapshots)") from None
    print(f"Đã giữ {name}: {args.label}")
    return 0


def _by() -> str:
    """Who pinned from the command line, as the state database records it."""
    import getpass

    try:
        return f"dòng lệnh ({getpass.getuser()})"
    except Exception:  # noqa: BLE001 — no user name in some containers
        return "dòng lệnh"


def cmd_unpin(args) -> int:
    try:
        S.unpin(_settings(args), Path(args.snapshot).name)
    except ValueError as refusal:
        raise UsageError(str(refusal)) from None
    return 0


def cmd_snapshots(args) -> int:
    settings = _settings(args)
    cur = S.current_snapshot(settings)
    pins = S.pins(settings)
    for path in S.list_snapshots(settings):
        mark = "*" if cur and path.name == cur.name else " "
        print(f"{mark} {path.name}  {pins.get(path.name, '')}")
    return 0


def cmd_runs(args) -> int:
    for run in S.RunLog(_settings(args)).runs():
        print(f"{run.get('run_id')}  {run.get('status'):<26} nhận {len(run.get('files_accepted') or [])}, "
              f"từ chối {len(run.get('files_rejected') or [])}, {run.get('snapshot') or ''}")
    return 0


def cmd_docs(args) -> int:
    from etl.docs import write

    path = S.current_snapshot(_settings(args))
    if path is None:
        print("Chưa có bản dữ liệu: chạy python -m etl demo trước", file=sys.stderr)
        return 1
    print(write(path))
    return 0


def _keep(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'"{text}" không phải là số nguyên') from None
    if value < 1:
        raise argparse.ArgumentTypeError("cần giữ ít nhất 1 bản dữ liệu")
    return value


def _parser() -> argparse.ArgumentParser:
    parser, sub_command = command_parser("python -m etl", DESCRIPTION)

    def command(name: str, help_text: str, func, *, builds: bool = False) -> argparse.ArgumentParser:
        p = sub_command(name, help_text, func)
        if builds:
            p.add_argument("--province", metavar="MÃ", help="mã GSO của tỉnh, 00 cho toàn quốc (mặc định $COVID_PROVINCE, nếu không "
                                              "có thì theo settings.toml của thư mục dữ liệu, nếu không có thì 26)")
            p.add_argument("--keep", type=_keep, metavar="SỐ", help="số bản dữ liệu giữ lại (ngoài các bản được ghim)")
        return p

    p = command("run", "chạy ETL hằng đêm: nhận tệp mới, dựng và công bố bản dữ liệu", cmd_run, builds=True)
    p.add_argument("--inbox", metavar="THƯ_MỤC", help="lấy tệp mới từ thư mục này (chuyển vào hộp thư của thư mục dữ liệu)")
    p.add_argument("--rebuild", action="store_true",
                   help="dựng lại bản dữ liệu từ kho lưu trữ kể cả khi không có tệp mới (sau khi nâng cấp); các tệp "
                        "đã bị loại được thử lại")
    command("current", "in đường dẫn bản dữ liệu đang dùng", cmd_current)
    command("demo", "tạo hộp thư mẫu và dựng dữ liệu", cmd_demo, builds=True)
    p = command("pin", "giữ một bản dữ liệu cho buổi giao ban", cmd_pin)
    p.add_argument("snapshot", metavar="BẢN_DỮ_LIỆU", help="tên tệp bản dữ liệu (xem: python -m etl snapshots)")
    p.add_argument("--label", required=True, metavar="GHI_CHÚ", help='ghi chú, ví dụ "Giao ban 15/03/2022"')
    p = command("unpin", "bỏ giữ một bản dữ liệu", cmd_unpin)
    p.add_argument("snapshot", metavar="BẢN_DỮ_LIỆU", help="tên tệp bản dữ liệu")
    command("snapshots", "liệt kê các bản dữ liệu (* là bản đang dùng)", cmd_snapshots)
    command("runs", "nhật ký các lần chạy", cmd_runs)
    command("docs", "viết lại docs/marts.md từ bản dữ liệu đang dùng", cmd_docs)
    return parser


def main(argv: list[str] | None = None) -> int:
    return run_command(_parser, argv, "python -m etl", (UsageError,), EXIT_USAGE)


if __name__ == "__main__":
    sys.exit(main())
