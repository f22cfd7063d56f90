"""`python -m etl run`: inbox -> archive -> load (validate) -> models -> checks -> publish, all or nothing.

Every snapshot is rebuilt from the whole archive, so any snapshot can be reproduced from its files.
Exit codes (documented in the README): 0 published or nothing new; 3 published, but some files were refused
(or only refused files arrived); 1 failed, nothing published, the previous snapshot keeps serving.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import signal
import time
from dataclasses import dataclass, field
from typing import Callable

import duckdb
import pandas as pd

from etl import contracts as C
from etl import lock
from etl import snapshots as S
from etl.archive import Manifest, archive_file, quarantine, scan_inbox
from etl.build import run_checks, run_models
from etl.convert import create_raw_tables, load_file
from etl.readers import FileError
from etl.reference import load_reference
from etl.settings import Settings
from etl.targets import load_targets
from etl.version import MODEL_VERSION, snapshot_version
from etl.vnformat import fmt_int, fmt_num

EXIT_OK, EXIT_FAILED, EXIT_REJECTED, EXIT_BUSY = 0, 1, 3, 4
STAGES = ("extract", "load", "models", "checks", "publish", "finish")


@dataclass
class RunResult:
    run_id: str
    status: str
    exit_code: int
    snapshot: str | None = None
    accepted: list[str] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)
    rows: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        text = {
            "published": "đã công bố",
            "published_with_rejections": "đã công bố, có tệp bị từ chối",
            "nothing_new": "không có dữ liệu mới",
            "rejected_only": "chỉ có tệp bị từ chối, không công bố",
            "failed": "THẤT BẠI, vẫn dùng bản dữ liệu trước",
            "busy": "một lần chạy khác đang diễn ra trên thư mục dữ liệu này, lần này không làm gì",
        }[self.status]
        snap = f"; bản dữ liệu {self.snapshot}" if self.snapshot else ""
        return (f"ETL {self.run_id}: {text}; {len(self.accepted)} tệp mới được nhận, {len(self.rejected)} tệp bị từ chối, "
                f"{fmt_int(self.rows)} dòng{snap}; {fmt_num(self.seconds, 1)} giây")


class Progress:
    """Prints each stage and file as it goes; keeps the lines for the run log copied into the snapshot."""

    def __init__(self, sink: Callable[[str], None] | None = None, on_fraction: Callable[[str, float], None] | None = None):
        self.sink = sink or (lambda line: print(line, flush=True))
        self.on_fraction = on_fraction
        self.lines: list[str] = []
        self.stage = ""

    def start(self, stage: str) -> None:
        self.stage = stage
        _failpoint(stage)
        self(f"== {stage}")
        if self.on_fraction:
            self.on_fraction(stage, STAGES.index(stage) / len(STAGES))

    def __call__(self, message: str) -> None:
        line = f"[{self.stage}] {message}" if not message.startswith("==") else message
        self.lines.append(line)
        self.sink(line)


def _failpoint(stage: str) -> None:
    """Fault injection for the kill tests: ETL_FAILPOINT=<stage> kills this process as the stage starts."""
    if os.environ.get("ETL_FAILPOINT") == stage:
        os.kill(os.getpid(), signal.SIGKILL)


def run(settings: Settings, progress: Progress | None = None, rebuild: bool = False) -> RunResult:
    """One ETL run on the data directory, or none when another run holds it (status busy, exit code 4): two runs at
    once would clean each other's building files and interleave the manifest (the nightly job overlapping a manual
    run, or the dashboard's rebuild after an upgrade)."""
    progress = progress or Progress()
    try:
        with lock.hold(settings):
            return _locked_run(settings, progress, rebuild)
    except lock.Busy:
        run_id = dt.datetime.now().strftime("%Y%m%dT%H%M%S.%f")
        progress("một lần chạy khác đang giữ thư mục dữ liệu này: lần chạy này dừng, không thay đổi gì")
        return RunResult(run_id=run_id, status="busy", exit_code=EXIT_BUSY)


def _locked_run(settings: Settings, progress: Progress, rebuild: bool) -> RunResult:
    started = time.monotonic()
    run_id = dt.datetime.now().strftime("%Y%m%dT%H%M%S.%f")
    log = S.RunLog(settings)
    log.append({"run_id": run_id, "event": "start", "status": "running", "pid": os.getpid(),
                "started_at": dt.datetime.now().isoformat(timespec="seconds"), "province": settings.province_code})
    result = RunResult(run_id=run_id, status="failed", exit_code=EXIT_FAILED)
    try:
        _run(settings, progress, result, run_id, rebuild)
    except Exception as exc:  # any failure: nothing is published, the previous snapshot keeps serving
        result.status, result.exit_code = "failed", EXIT_FAILED
        progress(f"LỖI: {str(exc)[:2000]}")
        S.clean_building(settings)
    result.seconds = time.monotonic() - started
    log.append({
        "run_id": run_id, "event": "end", "status": result.status, "exit_code": result.exit_code,
        "ended_at": dt.datetime.now().isoformat(timespec="seconds"), "snapshot": result.snapshot,
        "files_accepted": result.accepted, "files_rejected": result.rejected, "rows": result.rows,
        "seconds": round(result.seconds, 2),
    })
    return result


def _run(settings: Settings, progress: Progress, result: RunResult, run_id: str, rebuild: bool) -> None:
    manifest = Manifest(settings)
    S.clean_building(settings)

    progress.start("extract")
    known = manifest.files()
    new_items, done_items = [], []
    for item in scan_inbox(settings):
        rel = item.path.relative_to(settings.inbox)
        status = known.get(item.sha256, {}).get("status")
        if status in ("published", "rejected"):
            progress(f"{rel}: đã nhận trước đây ({'đã công bố' if status == 'published' else 'đã cách ly'}), bỏ qua")
            done_items.append(item)
            continue
        archived = archive_file(settings, manifest, item)
        if item.source is None:
            reason = ("không xác định được nguồn dữ liệu: tệp phải nằm trong thư mục của nguồn "
                      f"({', '.join(C.SOURCE_NAMES)})")
            quarantine(settings, archived, item.path.name, f'Tệp "{rel}": {reason}')
            manifest.append(sha256=item.sha256, status="rejected", reason=reason)
            result.rejected.append({"file": str(rel), "reason": reason})
            progress(f"{rel}: TỪ CHỐI — {reason}")
            done_items.append(item)
            continue
        progress(f"{rel}: lưu trữ ({fmt_int(item.size)} byte, sha256 {item.sha256[:12]})")
        new_items.append(item)

    if not new_items and not rebuild:
        served = S.current_snapshot(settings)
        if served is not None and snapshot_version(served) != MODEL_VERSION:
            # an upgrade changed the models: the snapshot being served was built by older code
            progress("chương trình đã được cập nhật từ lần dựng trước: dựng lại bản dữ liệu từ các tệp đã lưu trữ")
            rebuild = True
    if not new_items and not rebuild:
        for item in done_items:
            item.path.unlink(missing_ok=True)
        result.status = "rejected_only" if result.rejected else "nothing_new"
        result.exit_code = EXIT_REJECTED if result.rejected else EXIT_OK
        progress("không có tệp mới hợp lệ: không dựng bản dữ liệu mới")
        return

    progress.start("load")
    S.building_dir(settings).mkdir(parents=True, exist_ok=True)
    building = S.building_dir(settings) / S.new_snapshot_name()
    con = duckdb.connect(str(building), config={
        # Bounded so a national build fits the machine; DuckDB spills the rest beside the file being built.
        "memory_limit": os.environ.get("ETL_MEMORY_LIMIT", "4GB"),
        "temp_directory": str(S.building_dir(settings) / "spill"),
    })
    try:
        create_raw_tables(con)
        registry = load_reference(con, settings.province_code, progress)
        files = sorted(
            (f for f in manifest.files().values() if f.get("status") in ("archived", "published") and f.get("source")),
            key=lambda f: (f["received_at"], f["name"]),
        )
        new_shas = {i.sha256 for i in new_items}
        loaded: list[dict] = []
        targets_file = None
        for n, f in enumerate(files, start=1):
            path = settings.data_dir / f["archived_path"]
            tag = f"({n}/{len(files)}) {f['source']}/{f['name']}"
            if f["source"] == C.TARGETS_SOURCE:
                targets_file = f  # the latest received targets file wins whole; loaded after the loop
                continue
            started = time.monotonic()
            try:
                res = load_file(con, path, C.TABULAR_SOURCES[f["source"]], registry, f["file_id"])
            except FileError as exc:
                report = exc.message(f["name"])
                quarantine(settings, path, f["name"], report)
                manifest.append(sha256=f["sha256"], status="rejected", reason=report)
                result.rejected.append({"file": f"{f['source']}/{f['name']}", "reason": report})
                progress(f"{tag}: TỪ CHỐI — {report}")
                continue
            extra = f", {res.legacy_cells} ô chuyển từ mã TCVN3/VNI" if res.legacy_cells else ""
            progress(f"{tag}: {fmt_int(res.rows)} dòng{extra} ({fmt_num(time.monotonic() - started, 1)} s)")
            loaded.append({**f, "rows": res.rows, **{f"meta_{k}": v for k, v in res.meta.items()}})
            result.rows += res.rows
            if f["sha256"] in new_shas:
                result.accepted.append(f"{f['source']}/{f['name']}")
        try:
            n_targets = load_targets(con, settings.data_dir / targets_file["archived_path"] if targets_file else None,
                                     targets_file["file_id"] if targets_file else "mac_dinh")
            progress(f"chỉ tiêu: {n_targets} mục từ {targets_file['name'] if targets_file else 'cấu hình mặc định'}")
            if targets_file:
                loaded.append({**targets_file, "rows": n_targets})
                if targets_file["sha256"] in new_shas:
                    result.accepted.append(f"targets/{targets_file['name']}")
        except FileError as exc:
            report = exc.message(targets_file["name"])
            path = settings.data_dir / targets_file["archived_path"]
            quarantine(settings, path, targets_file["name"], report)
            manifest.append(sha256=targets_file["sha256"], status="rejected", reason=report)
            result.rejected.append({"file": f"targets/{targets_file['name']}", "reason": report})
            progress(f"targets/{targets_file['name']}: TỪ CHỐI — {report}")
            load_targets(con, None, "mac_dinh")
        _write_files_table(con, loaded)

        if not result.accepted and not rebuild:
            con.close()
            building.unlink(missing_ok=True)
            for item in new_items + done_items:
                item.path.unlink(missing_ok=True)
            result.status, result.exit_code = "rejected_only", EXIT_REJECTED
            progress("mọi tệp mới đều bị từ chối: không dựng bản dữ liệu mới")
            return

        progress.start("models")
        run_models(con, progress)

        progress.start("checks")
        run_checks(con, progress)

        _write_run_meta(con, settings, run_id, progress, result)
        con.execute("CHECKPOINT")
    finally:
        con.close()

    progress.start("publish")
    target = S.publish(settings, building)
    result.snapshot = target.name
    result.status = "published_with_rejections" if result.rejected else "published"
    result.exit_code = EXIT_REJECTED if result.rejected else EXIT_OK
    progress(f"công bố {target.name}")

    progress.start("finish")
    rows_by_sha = {f["sha256"]: int(f.get("rows", 0)) for f in loaded}
    for item in new_items:
        if item.sha256 in rows_by_sha:  # refused files were recorded as such during the load
            manifest.append(sha256=item.sha256, status="published", snapshot=target.name, rows=rows_by_sha[item.sha256])
    for item in new_items + done_items:
        item.path.unlink(missing_ok=True)
    removed = S.prune(settings)
    if removed:
        progress(f"xóa {len(removed)} bản dữ liệu cũ: {', '.join(removed)}")


def _write_files_table(con: duckdb.DuckDBPyConnection, loaded: list[dict]) -> None:
    frame = pd.DataFrame([{
        "file_id": f["file_id"], "source": f["source"], "file_name": f["name"], "sha256": f["sha256"],
        "received_at": pd.Timestamp(f["received_at"]), "archived_path": f["archived_path"], "rows": int(f.get("rows", 0)),
        "report_district_code": f.get("meta_district_code"),
        "report_date": pd.Timestamp(f["meta_report_date"]) if f.get("meta_report_date") else pd.NaT,
    } for f in loaded], columns=["file_id", "source", "file_name", "sha256", "received_at", "archived_path", "rows",
                                 "report_district_code", "report_date"])
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    con.register("_files", frame)
    con.execute("CREATE OR REPLACE TABLE meta.files AS SELECT file_id, source, file_name, sha256, "
                "CAST(received_at AS TIMESTAMP) AS received_at, archived_path, rows::BIGINT AS rows, "
                "report_district_code::VARCHAR AS report_district_code, CAST(report_date AS DATE) AS report_date FROM _files")
    con.unregister("_files")


def _write_run_meta(con, settings: Settings, run_id: str, progress: Progress, result: RunResult) -> None:
    """Copy the run log (every run so far, and this run's lines) into the snapshot it builds."""
    runs = S.RunLog(settings).runs()
    frame = pd.DataFrame([{
        "run_id": r.get("run_id"), "status": "published" if r.get("run_id") == run_id else r.get("status"),
        "started_at": r.get("started_at"), "ended_at": r.get("ended_at"),
        "files_accepted": len(r.get("files_accepted") or []), "files_rejected": len(r.get("files_rejected") or []),
        "rejected_detail": json.dumps(r.get("files_rejected") or [], ensure_ascii=False), "snapshot": r.get("snapshot"),
    } for r in runs])
    con.register("_runs", frame)
    con.execute("CREATE OR REPLACE TABLE meta.runs AS SELECT run_id, status, CAST(started_at AS TIMESTAMP) started_at, "
                "CAST(ended_at AS TIMESTAMP) ended_at, files_accepted::BIGINT files_accepted, "
                "files_rejected::BIGINT files_rejected, rejected_detail, snapshot FROM _runs")
    con.unregister("_runs")
    con.execute("CREATE OR REPLACE TABLE meta.run_log (line_no INTEGER, line VARCHAR)")
    con.executemany("INSERT INTO meta.run_log VALUES (?, ?)", list(enumerate(progress.lines, start=1)))
    con.execute(
        "CREATE OR REPLACE TABLE meta.snapshot AS SELECT ? AS run_id, now()::TIMESTAMP AS built_at, ? AS province_code, "
        "? AS files_accepted_this_run, ? AS files_rejected_this_run, ? AS model_version",
        [run_id, settings.province_code, len(result.accepted), len(result.rejected), MODEL_VERSION],
    )


def main_run(settings: Settings, rebuild: bool = False) -> int:
    result = run(settings, rebuild=rebuild)
    print(result.summary(), flush=True)
    return result.exit_code

