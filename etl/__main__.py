"""Command line of the nightly ETL.

    python -m etl run [--inbox DIR] [--data-dir DIR] [--province CODE]   the nightly job
    python -m etl current                                               path of the snapshot being served
    python -m etl demo [--province CODE]                                write the demo inbox and build it
    python -m etl pin SNAPSHOT --label "Giao ban 15/03/2022"            keep a snapshot for a briefing
    python -m etl snapshots | runs                                      list snapshots / the run log

Exit codes of `run` and `demo`: 0 published (or nothing new), 3 published but files refused (or only refused
files arrived), 1 failed (nothing published; the previous snapshot keeps serving), 2 wrong usage, 4 another run
holds the data directory (nothing done). After an upgrade of this program, `run` rebuilds from the archive even when
no new file arrived.
The data directory is --data-dir, else $COVID_DATA_DIR, else ./data.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

from etl import snapshots as S
from etl.settings import load_settings, save_province


def _settings(args):
    return load_settings(getattr(args, "data_dir", None), getattr(args, "province", None), getattr(args, "keep", None))


def cmd_run(args) -> int:
    from etl.pipeline import main_run

    settings = _settings(args)
    if args.inbox:
        settings = _with_inbox(settings, Path(args.inbox))
    return main_run(settings, rebuild=args.rebuild)


def _with_inbox(settings, inbox: Path):
    """--inbox DIR: new files are taken from DIR (moved into the data directory's inbox first)."""
    inbox = inbox.resolve()
    if inbox != settings.inbox:
        for path in sorted(inbox.rglob("*")):
            if path.is_file():
                target = settings.inbox / path.relative_to(inbox)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, target)
                path.unlink()
    return settings


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
    from etl.demo import write_demo_inbox
    from etl.pipeline import main_run

    settings = _settings(args)
    save_province(settings)
    started = time.monotonic()

    def progress(message: str, fraction: float) -> None:
        print(f"[demo {fraction:4.0%}] {message}", flush=True)

    summary = write_demo_inbox(settings.inbox, settings.province_code, progress=progress)
    print(f"[demo] hộp thư mẫu: {sum(summary.get('files', {}).values()) if isinstance(summary.get('files'), dict) else summary}"
          f" tệp, {time.monotonic() - started:.1f} giây", flush=True)
    return main_run(settings)


def cmd_pin(args) -> int:
    settings = _settings(args)
    name = Path(args.snapshot).name
    S.pin(settings, name, args.label)
    print(f"Đã giữ {name}: {args.label}")
    return 0


def cmd_unpin(args) -> int:
    S.unpin(_settings(args), Path(args.snapshot).name)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m etl", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p):
        p.add_argument("--data-dir", help="thư mục dữ liệu (mặc định $COVID_DATA_DIR hoặc ./data)")
        p.add_argument("--province", help="mã GSO của tỉnh (mặc định theo data/settings.toml, hoặc 26)")
        p.add_argument("--keep", type=int, help="số bản dữ liệu giữ lại (ngoài các bản được ghim)")
        return p

    p = common(sub.add_parser("run", help="chạy ETL hằng đêm"))
    p.add_argument("--inbox", help="lấy tệp mới từ thư mục này")
    p.add_argument("--rebuild", action="store_true",
                   help="dựng lại bản dữ liệu từ kho lưu trữ kể cả khi không có tệp mới (sau khi nâng cấp)")
    p.set_defaults(func=cmd_run)
    common(sub.add_parser("current", help="in đường dẫn bản dữ liệu đang dùng")).set_defaults(func=cmd_current)
    common(sub.add_parser("demo", help="tạo hộp thư mẫu và dựng dữ liệu")).set_defaults(func=cmd_demo)
    p = common(sub.add_parser("pin", help="giữ một bản dữ liệu cho buổi giao ban"))
    p.add_argument("snapshot")
    p.add_argument("--label", required=True)
    p.set_defaults(func=cmd_pin)
    p = common(sub.add_parser("unpin", help="bỏ giữ một bản dữ liệu"))
    p.add_argument("snapshot")
    p.set_defaults(func=cmd_unpin)
    common(sub.add_parser("snapshots", help="liệt kê các bản dữ liệu")).set_defaults(func=cmd_snapshots)
    common(sub.add_parser("runs", help="nhật ký các lần chạy")).set_defaults(func=cmd_runs)
    common(sub.add_parser("docs", help="viết lại docs/marts.md từ bản dữ liệu hiện tại")).set_defaults(func=cmd_docs)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
