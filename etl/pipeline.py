"""`python -m etl run`: inbox -> archive -> load (validate) -> models -> checks -> publish, all or nothing.

Every snapshot is rebuilt from the whole archive, so any snapshot can be reproduced from its files.
Exit codes (documented in the README): 0 published or nothing new; 3 published, but some files were refused
(or only refused files arrived); 1 failed, nothing published, the previous snapshot keeps serving.

A file that cannot be read or loaded, whatever the reason, is refused on its own: quarantined with its note, recorded
as excluded in the manifest (the archive keeps it), and the run goes on without it, so no single file can stop this
night or the next. What no file explains (models, checks, memory, disk, the database) fails the run.
"""
from __future__ import annotations

import datetime as dt
import errno
import json
import os
import re
import signal
import threading
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

from etl import boundaries
from etl import contracts as C
from etl import lock
from etl import snapshots as S
from etl.archive import (ARCHIVED, EXCLUDED, PUBLISHED, InboxFile, Manifest, archive_file, inbox_file, quarantine,
                         scan_inbox)
from etl.build import run_checks, run_models
from etl.convert import create_raw_tables, load_file
from etl.readers import FileError
from etl.reference import load_commune_shapes, load_reference, shipped_districts
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
    error: str | None = None
    traceback: str | None = None

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
        _Run(settings, progress, result, run_id, rebuild).go()
    except Exception as exc:  # any failure: nothing is published, the previous snapshot keeps serving
        result.status, result.exit_code = "failed", EXIT_FAILED
        result.error, result.traceback = f"{type(exc).__name__}: {exc}", traceback.format_exc()
        progress(f"LỖI: {result.error}")
        progress(result.traceback.rstrip())  # the whole of it: a failed night must be diagnosable from its log
        S.clean_building(settings)
    result.seconds = time.monotonic() - started
    log.append({
        "run_id": run_id, "event": "end", "status": result.status, "exit_code": result.exit_code,
        "ended_at": dt.datetime.now().isoformat(timespec="seconds"), "snapshot": result.snapshot,
        "files_accepted": result.accepted, "files_rejected": result.rejected, "rows": result.rows,
        "seconds": round(result.seconds, 2),
        **({"error": result.error, "traceback": result.traceback} if result.error else {}),
    })
    return result


# Failures that say nothing about the file being loaded when they happen: they fail the run (the file stays in the
# inbox and is tried again the next night) instead of excluding a file that is not at fault.
_ENVIRONMENT = (MemoryError, duckdb.OutOfMemoryException, duckdb.FatalException, duckdb.IOException,
                duckdb.InterruptException)
_ENVIRONMENT_ERRNO = (errno.ENOSPC, errno.EDQUOT, errno.EIO)


def _not_the_files_fault(exc: BaseException) -> bool:
    return isinstance(exc, _ENVIRONMENT) or (isinstance(exc, OSError) and exc.errno in _ENVIRONMENT_ERRNO)


def _because(reason: str) -> Callable[[str], str]:
    """A refusal note for a file, whatever name it arrived under."""
    return lambda name: f'Tệp "{name}": {reason}'


def _explain(exc: Exception, doing: str) -> tuple[Callable[[str], str], str | None]:
    """The note for a file refused by `exc`, and the traceback when the failure was not one the contract foresees."""
    if isinstance(exc, FileError):
        return exc.message, None
    if isinstance(exc, boundaries.BoundaryError):  # names the layer, feature and column; the file is named here
        return _because(re.sub(r"^[^:,\s]+\.(?:zip|gpkg|geojson|json):\s*", "", str(exc))), None
    if isinstance(exc, OSError):
        return _because(f"không đọc được tệp ({exc.strerror or type(exc).__name__})"), None
    return (_because(f"lỗi không lường trước khi {doing} ({type(exc).__name__}: {exc}). Tệp được giữ trong kho lưu trữ "
                     "và được thử lại khi dựng lại bản dữ liệu (python -m etl run --rebuild), sau khi nâng cấp chương "
                     "trình; chi tiết kỹ thuật trong nhật ký lần chạy"),
            traceback.format_exc())


def _key(record: dict) -> tuple:
    return (record["source"], record["sha256"])


class _Run:
    """One run, one method per stage: extract, load, models, checks, publish, finish. etl/copies.py rebuilds a kept
    snapshot from its own files through a subclass: where it builds (building_folder, clean_building), which archived
    files it loads (archived_records), how a refused file is recorded (refuse), what the snapshot records of itself
    (write_meta) and where it goes (place)."""

    def __init__(self, settings: Settings, progress: Progress, result: RunResult, run_id: str, rebuild: bool):
        self.settings, self.progress, self.result, self.run_id, self.rebuild = settings, progress, result, run_id, rebuild
        self.manifest = Manifest(settings)
        self.arrivals: dict[tuple, list[InboxFile]] = {}  # this run's new files by identity: the first, then its copies
        self.fresh: set[tuple] = set()  # archived files the snapshot takes in for the first time
        self.loaded: list[dict] = []
        self.con: duckdb.DuckDBPyConnection | None = None
        self.building: Path | None = None
        self.target: Path | None = None

    def go(self) -> None:
        self.clean_building()
        if not self.extract():
            return
        try:
            if not self.load():
                return
            self.models()
            self.checks()
            self.publish()
        finally:
            self.close()
        self.finish()

    def building_folder(self) -> Path:
        return S.building_dir(self.settings)

    def clean_building(self) -> None:
        S.clean_building(self.settings)

    def archived_records(self) -> list[dict]:
        """The archived files this build loads, in order of arrival."""
        # A rebuild judges the whole archive again with the current code, excluded files included.
        statuses = (ARCHIVED, PUBLISHED, EXCLUDED) if self.rebuild else (ARCHIVED, PUBLISHED)
        return sorted((r for r in self.manifest.files().values() if r.get("source") and r.get("status") in statuses),
                      key=lambda r: r["seq"])

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None

    def refuse(self, explain: Callable[[str], str], *, inbox: list[Path] | None = None, record: dict | None = None,
               trace: str | None = None, tag: str = "") -> None:
        """Each arriving copy of the file (or, with none, the archived one) goes to quarantine with its note and leaves
        the inbox; the archive keeps the file, recorded as excluded; the run goes on without it."""
        archived = self.settings.data_dir / record["archived_path"] if record else None
        if archived is not None and not archived.exists():
            archived = None
        copies = [(p, p.name, str(p.relative_to(self.settings.inbox))) for p in inbox or []]
        if not copies:
            copies = [(None, record["name"], f"{record['source']}/{record['name']}")]
        kept = []
        for path, name, label in copies:
            report = explain(name)
            kept.append(quarantine(self.settings, archived or path, name, report) is not None)
            self.result.rejected.append({"file": label, "reason": report, **({"traceback": trace} if trace else {})})
            self.progress(f"{tag}{label}: TỪ CHỐI — {report}")
        if trace:
            self.progress(trace.rstrip())
        if record:
            self.manifest.append(source=record["source"], sha256=record["sha256"], status=EXCLUDED,
                                 reason=explain(record["name"]), **({"traceback": trace} if trace else {}))
        for (path, _, _), copied in zip(copies, kept):
            if path is not None and (copied or archived is not None):  # never lose the only copy of a file
                path.unlink(missing_ok=True)

    def extract(self) -> bool:
        """Archive every new inbox file; returns whether there is a snapshot to build."""
        self.progress.start("extract")
        items = []
        for path in scan_inbox(self.settings):
            try:
                items.append(inbox_file(self.settings, path))
            except Exception as exc:
                if _not_the_files_fault(exc):
                    raise
                explain, trace = _explain(exc, "đọc tệp")
                self.refuse(explain, inbox=[path], trace=trace)
        for item in sorted(items, key=lambda i: i.order):
            self.receive(item)
        served = S.current_snapshot(self.settings)
        if not self.rebuild and served is not None and snapshot_version(served) != MODEL_VERSION:
            # an upgrade changed the models: the snapshot being served was built by older code
            self.progress("chương trình đã được cập nhật từ lần dựng trước: dựng lại bản dữ liệu từ các tệp đã lưu trữ")
            self.rebuild = True
        if not self.arrivals and not self.rebuild:
            rejected = bool(self.result.rejected)
            self.result.status = "rejected_only" if rejected else "nothing_new"
            self.result.exit_code = EXIT_REJECTED if rejected else EXIT_OK
            self.progress("không có tệp mới hợp lệ: không dựng bản dữ liệu mới")
            return False
        return True

    def receive(self, item: InboxFile) -> None:
        """One inbox file ends loaded (later), quarantined with its note, or recognised as already loaded."""
        if item.size == 0:
            self.refuse(_because("tệp rỗng (0 byte), không có gì để nạp: gửi lại tệp có nội dung"), inbox=[item.path])
            return
        known = self.manifest.get(item.key)
        if known is not None and known.get("status") == PUBLISHED:
            self.progress(f"{item.rel}: đúng tệp này đã được nạp cho nguồn {item.source} (nhận với tên "
                          f'"{known["name"]}"), bỏ qua và xóa khỏi hộp thư')
            item.path.unlink(missing_ok=True)
            return
        if item.key in self.arrivals:
            first = self.arrivals[item.key][0]
            self.progress(f"{item.rel}: cùng nội dung với {first.rel}, chỉ nạp một lần")
            self.arrivals[item.key].append(item)
            return
        try:
            record = archive_file(self.settings, self.manifest, item)
        except Exception as exc:
            if _not_the_files_fault(exc):
                raise
            explain, trace = _explain(exc, "lưu trữ tệp")
            self.refuse(explain, inbox=[item.path], trace=trace)
            return
        if item.source is None:
            reason = ("không xác định được nguồn dữ liệu: tệp phải nằm trong thư mục của nguồn "
                      f"({', '.join(C.SOURCE_NAMES)})")
            self.refuse(_because(reason), inbox=[item.path], record=record)
            return
        self.progress(f"{item.rel}: lưu trữ ({fmt_int(item.size)} byte, sha256 {item.sha256[:12]})")
        self.arrivals[item.key] = [item]

    def load(self) -> bool:
        """Type every archived file into raw.* of a new database; returns whether there is a snapshot to build."""
        self.progress.start("load")
        self.building_folder().mkdir(parents=True, exist_ok=True)
        self.building = self.building_folder() / S.new_snapshot_name()
        self.con = duckdb.connect(str(self.building), config={
            # Bounded so a national build fits the machine; DuckDB spills the rest beside the file being built. The
            # process holds more than DuckDB's buffers (Python, pandas, DuckDB's own allocations outside the limit):
            # with 4GB a national build peaked at 4.2 GiB resident, over its 4 GB budget.
            "memory_limit": os.environ.get("ETL_MEMORY_LIMIT", "3GB"),
            "temp_directory": str(self.building_folder() / "spill"),
        })
        create_raw_tables(self.con)
        registry = load_reference(self.con, self.settings.province_code, self.progress)
        records = self.archived_records()
        self.fresh = {_key(r) for r in records if r["status"] != PUBLISHED}
        tabular = [r for r in records if r["source"] not in (C.TARGETS_SOURCE, C.BOUNDARIES_SOURCE)]
        self.load_tabular(tabular, registry)
        self.load_targets([r for r in records if r["source"] == C.TARGETS_SOURCE])
        self.load_boundaries([r for r in records if r["source"] == C.BOUNDARIES_SOURCE], registry)
        _write_files_table(self.con, self.loaded)
        if not self.result.accepted and not self.rebuild:
            self.close()
            self.building.unlink(missing_ok=True)
            self.result.status, self.result.exit_code = "rejected_only", EXIT_REJECTED
            self.progress("mọi tệp mới đều bị từ chối: không dựng bản dữ liệu mới")
            return False
        return True

    def load_tabular(self, records: list[dict], registry) -> None:
        """Every tabular file into raw.*, in worker threads, each loading through a cursor of its own (its temporary
        tables apart): LOAD_WORKERS for the CSV files, whose queries use DuckDB's threads, and one more for the
        workbooks, read in Python, from the start (a national inbox's ~1,400 report workbooks are read while the
        exports load, not after them). The outcomes are taken in the files' order (progress, refusals, the manifest:
        as if loaded one by one)."""
        local = threading.local()
        cursors: list[duckdb.DuckDBPyConnection] = []
        guard = threading.Lock()

        def cursor() -> duckdb.DuckDBPyConnection:
            if not hasattr(local, "cursor"):
                with guard:
                    local.cursor = self.con.cursor()
                    cursors.append(local.cursor)
            return local.cursor

        queries = ThreadPoolExecutor(max_workers=LOAD_WORKERS, thread_name_prefix="etl-load")
        workbooks = ThreadPoolExecutor(max_workers=1, thread_name_prefix="etl-load-xlsx")
        try:
            pending = [(workbooks if record["archived_path"].lower().endswith(".xlsx") else queries).submit(
                _load_in_worker, cursor, self.settings.data_dir, record, registry) for record in records]
            for n, (record, future) in enumerate(zip(records, pending), start=1):
                self.took_or_refused(record, future.result(), f"({n}/{len(records)}) ")
        finally:
            for pool in (queries, workbooks):
                pool.shutdown(wait=True, cancel_futures=True)
            for cur in cursors:
                cur.close()

    def took_or_refused(self, record: dict, outcome: _Loaded, tag: str) -> None:
        if outcome.fatal is not None:
            raise outcome.fatal
        if outcome.refusal is not None:
            explain, trace = outcome.refusal
            self.refuse(explain, inbox=self.inbox_copies(record), record=record, trace=trace, tag=tag)
            return
        res = outcome.result
        extra = f", {res.legacy_cells} ô chuyển từ mã TCVN3/VNI" if res.legacy_cells else ""
        self.progress(f"{tag}{record['source']}/{record['name']}: {fmt_int(res.rows)} dòng{extra} "
                      f"({fmt_num(outcome.seconds, 1)} s)")
        self.took(record, res.rows, **{f"meta_{k}": v for k, v in res.meta.items()})

    def latest_that_loads(self, records: list[dict], load: Callable[[Path, dict], object],
                          doing: str) -> tuple[dict, object] | None:
        """(the latest of `records` whose `load(path, record)` succeeds, what it returned); every later one that fails
        is refused on the way (quarantined with its reason), so a bad file never replaces a good one."""
        for record in reversed(records):
            try:
                return record, load(self.settings.data_dir / record["archived_path"], record)
            except Exception as exc:
                if _not_the_files_fault(exc):
                    raise
                explain, trace = _explain(exc, doing)
                self.refuse(explain, inbox=self.inbox_copies(record), record=record, trace=trace)
        return None

    def load_targets(self, records: list[dict]) -> None:
        """The latest targets file that loads wins whole; the default targets when none does."""
        found = self.latest_that_loads(records, lambda path, r: load_targets(self.con, path, r["file_id"]), "nạp tệp")
        if found:
            record, n = found
            self.progress(f"chỉ tiêu: {n} mục từ {record['name']}")
            self.took(record, n)
            return
        n = load_targets(self.con, None, "mac_dinh")
        self.progress(f"chỉ tiêu: {n} mục từ cấu hình mặc định")

    def load_boundaries(self, records: list[dict], registry) -> None:
        """The latest commune boundary file that reads wins whole (a bad one is quarantined with its reason and the
        one before it keeps serving); none: the pages show communes as tables."""
        found = self.latest_that_loads(
            records, lambda path, r: boundaries.read(path, registry, self.settings.boundary_crs,
                                                     shipped_districts(self.settings.province_code)),
            "đọc ranh giới xã")
        if found:
            record, read = found
            load_commune_shapes(self.con, read, record["name"], self.progress)
            self.took(record, len(read.communes))
            return
        load_commune_shapes(self.con, None, None, self.progress)

    def took(self, record: dict, rows: int, **meta) -> None:
        self.loaded.append({**record, "rows": rows, **meta})
        if record["source"] not in (C.TARGETS_SOURCE, C.BOUNDARIES_SOURCE):
            self.result.rows += rows
        if _key(record) in self.fresh:
            self.result.accepted.append(f"{record['source']}/{record['name']}")

    def inbox_copies(self, record: dict) -> list[Path]:
        return [item.path for item in self.arrivals.get(_key(record), [])]

    def models(self) -> None:
        self.progress.start("models")
        run_models(self.con, self.progress)

    def checks(self) -> None:
        self.progress.start("checks")
        run_checks(self.con, self.progress)

    def publish(self) -> None:
        self.progress.start("publish")
        self.write_meta()
        self.con.execute("CHECKPOINT")
        self.close()
        self.target = self.place(self.building)
        self.result.snapshot = self.target.name
        self.result.status = "published_with_rejections" if self.result.rejected else "published"
        self.result.exit_code = EXIT_REJECTED if self.result.rejected else EXIT_OK
        self.progress(f"công bố {self.target.name}")

    def write_meta(self) -> None:
        _write_run_meta(self.con, self.settings, self.run_id, self.progress, self.result)

    def place(self, built: Path) -> Path:
        """The finished, closed database moved where it serves (the snapshots, CURRENT pointed at it)."""
        return S.publish(self.settings, built)

    def finish(self) -> None:
        self.progress.start("finish")
        for record in self.loaded:
            if _key(record) in self.fresh:
                self.manifest.append(source=record["source"], sha256=record["sha256"], status=PUBLISHED,
                                     snapshot=self.target.name, rows=int(record["rows"]))
        for copies in self.arrivals.values():
            for item in copies:
                item.path.unlink(missing_ok=True)
        removed = S.prune(self.settings)
        if removed:
            self.progress(f"xóa {len(removed)} bản dữ liệu cũ: {', '.join(removed)}")


# CSV files loading at once: two cores, and a file's load is partly Python and single-threaded steps (small
# statements, its distinct values typed), while a large CSV's queries use both cores: two workers keep both busy.
LOAD_WORKERS = 2


@dataclass
class _Loaded:
    """How one file's load ended: its result, or the refusal (note, traceback) after its rows were removed, or an
    exception that fails the run."""

    result: object = None
    refusal: tuple[Callable[[str], str], str | None] | None = None
    fatal: BaseException | None = None
    seconds: float = 0.0


def _load_in_worker(cursor: Callable[[], duckdb.DuckDBPyConnection], data_dir: Path, record: dict, registry
                    ) -> _Loaded:
    """Load one archived file through the worker thread's cursor (run in a worker of _Run.load_tabular)."""
    started = time.monotonic()
    con = cursor()
    try:
        res = load_file(con, data_dir / record["archived_path"], C.TABULAR_SOURCES[record["source"]], registry,
                        record["file_id"])
    except Exception as exc:
        if _not_the_files_fault(exc):
            return _Loaded(fatal=exc)
        _forget(con, record["file_id"])
        return _Loaded(refusal=_explain(exc, "nạp tệp"), seconds=time.monotonic() - started)
    return _Loaded(result=res, seconds=time.monotonic() - started)


def _forget(con: duckdb.DuckDBPyConnection, file_id: str) -> None:
    """A file that failed half-way through its load leaves none of its rows behind."""
    tables = con.execute("SELECT table_name FROM information_schema.columns "
                         "WHERE table_schema = 'raw' AND column_name = 'file_id'").fetchall()
    for (table,) in tables:
        con.execute(f'DELETE FROM raw."{table}" WHERE file_id = ?', [file_id])


def _write_files_table(con: duckdb.DuckDBPyConnection, loaded: list[dict]) -> None:
    frame = pd.DataFrame([{
        "file_id": f["file_id"], "source": f["source"], "file_name": f["name"], "sha256": f["sha256"],
        "arrival_seq": int(f["seq"]), "received_at": pd.Timestamp(f["received_at"]),
        "archived_path": f["archived_path"], "rows": int(f.get("rows", 0)),
        "report_district_code": f.get("meta_district_code"),
        "report_date": pd.Timestamp(f["meta_report_date"]) if f.get("meta_report_date") else pd.NaT,
    } for f in loaded], columns=["file_id", "source", "file_name", "sha256", "arrival_seq", "received_at",
                                 "archived_path", "rows", "report_district_code", "report_date"])
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    con.register("_files", frame)
    con.execute("CREATE OR REPLACE TABLE meta.files AS SELECT file_id, source, file_name, sha256, "
                "arrival_seq::BIGINT AS arrival_seq, CAST(received_at AS TIMESTAMP) AS received_at, archived_path, "
                "rows::BIGINT AS rows, report_district_code::VARCHAR AS report_district_code, "
                "CAST(report_date AS DATE) AS report_date FROM _files")
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
