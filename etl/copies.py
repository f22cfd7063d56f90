"""A kept snapshot (a briefing's, a pinned one) built by an older model version, rebuilt as a **copy** with today's code
from exactly the archived files it lists (meta.files: each file's archived path and sha256, checked before loading),
so that its figures can be read by today's pages and compared with today's snapshots under the same definitions.

    python -m etl.copies [--data-dir THƯ_MỤC] BẢN_DỮ_LIỆU

- The build is the pipeline's own (etl.pipeline._Run: load, models, checks), through a subclass that only changes
  which files are loaded (the source snapshot's list, not the manifest), how a file today's code refuses is recorded
  (in the copy's status and log only), what the copy records of itself (meta.snapshot.copy_of, source_run_id,
  source_model_version; the source's meta.runs) and where it goes. It never touches CURRENT, the manifest, the
  quarantine, the inbox, the run log (runs.jsonl) or any snapshot.
- Stored as warehouse/copies/<stem>.<MODEL_VERSION>.duckdb, built in warehouse/copies/building and renamed into
  place when closed: a reader sees a whole copy or none. Beside it <stem>.<MODEL_VERSION>.json says where the build
  stands (queued, building and its stage, ready, failed and why) and <stem>.<MODEL_VERSION>.log keeps its lines.
- Retention (etl.snapshots.prune): a copy lives as long as its source snapshot is kept, and goes with it, or when
  another model version is installed.
- **Its own lock** (warehouse/copies/copies.lock, an flock released by the kernel if the builder dies), not the ETL's:
  the ETL's lock makes a nightly run that meets it do nothing (exit 4, "busy"), and the dashboard reads it as "the
  live snapshot is being rebuilt"; a copy asked for from a briefing must cost neither. Copies wait for one another
  (one at a time: a build's memory is bounded by ETL_MEMORY_LIMIT, two at once would double it), never for the ETL.
  The two cannot clash on files: a copy builds in its own folder, reads only archived files (which the archive never
  changes) and writes only under warehouse/copies, which only prune touches, and prune never takes a building file.
- This module is left out of MODEL_VERSION (etl/version.py NOT_MODELS): what a build makes of a list of files is the
  pipeline's code, which counts; this one only takes the list from the source snapshot and puts the result aside.
- request() is called by the dashboard server: it starts `python -m etl.copies` in a process of its own and returns;
  a copy is never built in the server process.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import fcntl
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from pathlib import Path

import duckdb

from etl import snapshots as S
from etl.archive import PUBLISHED, sha256_of
from etl.pipeline import EXIT_FAILED, EXIT_OK, Progress, RunResult, _Run
from etl.settings import Settings
from etl.version import MODEL_VERSION, snapshot_version

PROJECT = Path(__file__).resolve().parent.parent
EXIT_USAGE = 2
STAGE_NAMES = {"extract": "kiểm tra các tệp lưu trữ", "load": "nạp tệp", "models": "dựng các bảng số liệu",
               "checks": "kiểm tra số liệu", "publish": "ghi bản dựng lại", "finish": "hoàn tất"}


class CopyError(Exception):
    """A copy that cannot be built (its source gone, an archived file missing or changed): the reason, in Vietnamese."""


# --- where things are ------------------------------------------------------------------------------------------

def copies_dir(settings: Settings) -> Path:
    return settings.warehouse / "copies"


def copy_path(settings: Settings, snapshot_name: str, version: str = MODEL_VERSION) -> Path:
    return copies_dir(settings) / f"{Path(snapshot_name).stem}.{version}.duckdb"


def _status_path(settings: Settings, snapshot_name: str) -> Path:
    return copy_path(settings, snapshot_name).with_suffix(".json")


def _log_path(settings: Settings, snapshot_name: str) -> Path:
    return copy_path(settings, snapshot_name).with_suffix(".log")


def _source(settings: Settings, snapshot_name: str) -> Path:
    return S.snapshots_dir(settings) / Path(snapshot_name).name


_VERSIONS: dict[tuple, str | None] = {}  # (path, mtime, size) -> model version: a snapshot file never changes


def _version(path: Path) -> str | None:
    info = path.stat()
    key = (str(path), info.st_mtime_ns, info.st_size)
    if key not in _VERSIONS:
        _VERSIONS[key] = snapshot_version(path)
    return _VERSIONS[key]


# --- the API ---------------------------------------------------------------------------------------------------

def comparable(settings: Settings, snapshot_name: str) -> Path | None:
    """The snapshot readable under today's definitions: the snapshot file itself when the current MODEL_VERSION built
    it, else its rebuilt copy when ready, else None (its source gone, or the copy not built yet)."""
    source = _source(settings, snapshot_name)
    try:
        if _version(source) == MODEL_VERSION:
            return source
    except (FileNotFoundError, duckdb.IOException):
        return None
    copy = copy_path(settings, snapshot_name)
    return copy if copy.exists() else None


def request(settings: Settings, snapshot_name: str, again: bool = False) -> None:
    """Start the copy's build in a process of its own (`python -m etl.copies`), unless it is not needed, ready, or
    already queued or building; a failed build is started again only with `again` (a page rerunning must not retry it
    every second). Never builds in the calling process."""
    name = Path(snapshot_name).name
    if not _source(settings, name).exists() or comparable(settings, name) is not None:
        return
    known = _read_status(settings, name)
    if known.get("state") in ("queued", "building") and S.process_alive(known.get("pid")):
        return
    if known.get("state") == "failed" and not again:
        return
    folder = copies_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    with open(_log_path(settings, name), "ab") as out:
        worker = subprocess.Popen([sys.executable, "-m", "etl.copies", "--data-dir", str(settings.data_dir), name],
                                  cwd=PROJECT, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                  start_new_session=True)
    threading.Thread(target=worker.wait, daemon=True).start()  # reaped: no zombie of the server looks alive
    if _read_status(settings, name).get("pid") != worker.pid:  # the worker may have written its own already
        _write_status(settings, name, state="queued", pid=worker.pid)


def status(settings: Settings, snapshot_name: str) -> str:
    """Where the copy of a snapshot stands, in a Vietnamese sentence."""
    name = Path(snapshot_name).name
    source = _source(settings, name)
    if not source.exists():
        return f"Bản dữ liệu {name} không còn trên máy chủ: không dựng lại được."
    try:
        if _version(source) == MODEL_VERSION:
            return f"Bản dữ liệu {name} do phiên bản hiện hành của chương trình dựng: không cần dựng lại."
    except duckdb.IOException as error:
        return f"Không đọc được bản dữ liệu {name} ({error})."
    known = _read_status(settings, name)
    if copy_path(settings, name).exists():
        refused = known.get("refused") or []
        note = (f"; {len(refused)} tệp bị từ chối theo quy tắc hiện hành: "
                + "; ".join(r["file"] for r in refused)) if refused else ""
        return (f"Bản dữ liệu {name} đã được dựng lại theo định nghĩa hiện hành"
                f"{_when(' lúc ', known.get('ended_at'))}, từ đúng các tệp nó đã dùng{note}.")
    state, alive = known.get("state"), S.process_alive(known.get("pid"))
    if state == "queued" and alive:
        return (f"Bản dữ liệu {name} do phiên bản cũ dựng: đang chờ dựng lại theo định nghĩa hiện hành (một bản "
                "khác đang được dựng lại trước).")
    if state == "building" and alive:
        stage = STAGE_NAMES.get(known.get("stage"), "chuẩn bị")
        return (f"Bản dữ liệu {name} do phiên bản cũ dựng: đang dựng lại theo định nghĩa hiện hành (bước: {stage}), "
                f"bắt đầu{_when(' lúc ', known.get('started_at'))}.")
    if state == "failed":
        return (f"Không dựng lại được bản dữ liệu {name} theo định nghĩa hiện hành: {known.get('error')}. "
                f"Quản trị hệ thống chạy lại: python -m etl.copies {name}")
    if state in ("queued", "building"):
        return (f"Lần dựng lại bản dữ liệu {name} bị ngắt giữa chừng; yêu cầu lại để dựng "
                f"(hoặc chạy python -m etl.copies {name}).")
    return f"Bản dữ liệu {name} do phiên bản cũ của chương trình dựng và chưa được dựng lại theo định nghĩa hiện hành."


def _when(prefix: str, moment: str | None) -> str:
    return f"{prefix}{dt.datetime.fromisoformat(moment):%H:%M %d/%m/%Y}" if moment else ""


def _read_status(settings: Settings, snapshot_name: str) -> dict:
    try:
        return json.loads(_status_path(settings, snapshot_name).read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _write_status(settings: Settings, snapshot_name: str, **fields) -> None:
    path = _status_path(settings, snapshot_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"source": Path(snapshot_name).name, "model_version": MODEL_VERSION, **fields},
                              ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


# --- the build -------------------------------------------------------------------------------------------------

@contextlib.contextmanager
def _lock(settings: Settings) -> Iterator[None]:
    """One copy built at a time (waiting for the one before); not the ETL's lock: see the module's docstring."""
    path = copies_dir(settings) / "copies.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _source_meta(source: Path) -> tuple[list[dict], object, dict]:
    """(meta.files as records of the manifest's form, meta.runs, meta.snapshot) of the source snapshot."""
    with duckdb.connect(str(source), read_only=True) as con:
        try:
            files = con.execute("SELECT * FROM meta.files").df()
            runs = con.execute("SELECT * FROM meta.runs").df()
            snap = con.execute("SELECT * FROM meta.snapshot").df().iloc[0].to_dict()
        except duckdb.CatalogException as error:
            raise CopyError(f"bản dữ liệu {source.name} không ghi danh sách tệp đã dùng hoặc thông tin lần dựng "
                            f"(bảng meta của nó: {error}): không dựng lại được") from None
    records = []
    for n, f in enumerate(files.to_dict("records"), start=1):
        seq = f.get("arrival_seq")
        records.append({"source": f["source"], "sha256": f["sha256"], "file_id": f["file_id"],
                        "name": f["file_name"], "archived_path": f["archived_path"], "received_at": f["received_at"],
                        "seq": int(seq) if seq is not None and seq == seq else n, "status": PUBLISHED})
    return sorted(records, key=lambda r: r["seq"]), runs, snap


class _CopyRun(_Run):
    """The pipeline's run on the source snapshot's files, set aside as a copy (see the module's docstring)."""

    def __init__(self, settings: Settings, progress: Progress, result: RunResult, run_id: str, source: Path):
        super().__init__(settings, progress, result, run_id, rebuild=True)
        self.source = source
        self.records, self.source_runs, self.source_snapshot = _source_meta(source)

    def building_folder(self) -> Path:
        return copies_dir(self.settings) / "building"

    def clean_building(self) -> None:
        shutil.rmtree(self.building_folder(), ignore_errors=True)

    def extract(self) -> bool:
        """No inbox: every file the source lists must be in the archive, unchanged."""
        self.progress.start("extract")
        province = self.source_snapshot.get("province_code")
        if province and str(province) != self.settings.province_code:
            raise CopyError(f"bản dữ liệu {self.source.name} là của tỉnh mã {province}, thư mục dữ liệu này của tỉnh "
                            f"mã {self.settings.province_code}")
        for record in self.records:
            path = self.settings.data_dir / record["archived_path"]
            if not path.exists():
                raise CopyError(f"tệp {record['source']}/{record['name']} không còn trong kho lưu trữ "
                                f"({record['archived_path']})")
            if sha256_of(path) != record["sha256"]:
                raise CopyError(f"tệp {record['archived_path']} trong kho lưu trữ đã bị thay đổi (sha256 khác)")
        self.progress(f"{len(self.records)} tệp của bản dữ liệu {self.source.name} có đủ trong kho lưu trữ")
        return True

    def archived_records(self) -> list[dict]:
        return self.records

    def refuse(self, explain, *, inbox=None, record=None, trace=None, tag="") -> None:
        """A file today's code refuses: recorded in the copy's result and log only (no quarantine, no manifest)."""
        label = f"{record['source']}/{record['name']}" if record else "?"
        reason = explain(record["name"] if record else label)
        self.result.rejected.append({"file": label, "reason": reason})
        self.progress(f"{tag}{label}: TỪ CHỐI theo quy tắc hiện hành — {reason}")

    def write_meta(self) -> None:
        super().write_meta()
        self.con.execute("ALTER TABLE meta.snapshot ADD COLUMN copy_of VARCHAR")
        self.con.execute("ALTER TABLE meta.snapshot ADD COLUMN source_run_id VARCHAR")
        self.con.execute("ALTER TABLE meta.snapshot ADD COLUMN source_model_version VARCHAR")
        self.con.execute("UPDATE meta.snapshot SET copy_of = ?, source_run_id = ?, source_model_version = ?",
                         [self.source.name, str(self.source_snapshot.get("run_id")),
                          self.source_snapshot.get("model_version")])
        self.con.register("_source_runs", self.source_runs)  # the runs as the source knew them, not later ones
        self.con.execute("CREATE OR REPLACE TABLE meta.runs AS SELECT * FROM _source_runs")
        self.con.unregister("_source_runs")

    def place(self, built: Path) -> Path:
        if built.with_name(built.name + ".wal").exists():
            raise RuntimeError(f"{built.name}.wal còn tồn tại: cơ sở dữ liệu chưa được đóng đúng cách")
        target = copy_path(self.settings, self.source.name)
        os.replace(built, target)
        return target

    def finish(self) -> None:
        self.progress.start("finish")
        self.clean_building()


def build(settings: Settings, snapshot_name: str, progress: Progress | None = None) -> RunResult:
    """Build the copy of a snapshot in this process (the command line; request() starts it in another), waiting for
    a copy being built; nothing to do when it is not needed or ready. The result's snapshot: the copy's file name."""
    name = Path(snapshot_name).name
    run_id = dt.datetime.now().strftime("%Y%m%dT%H%M%S.%f")
    result = RunResult(run_id=run_id, status="failed", exit_code=EXIT_FAILED)
    source = _source(settings, name)
    if not source.exists():
        result.error = f"không có bản dữ liệu {name} trong {S.snapshots_dir(settings)}"
        return result

    def staged(stage: str, _fraction: float) -> None:
        _write_status(settings, name, state="building", pid=os.getpid(), stage=stage, started_at=started_at)

    started_at = dt.datetime.now().isoformat(timespec="seconds")
    progress = progress or Progress()
    progress.on_fraction = staged
    started = time.monotonic()
    known = _read_status(settings, name)
    if comparable(settings, name) is None and not (known.get("state") == "building"
                                                   and S.process_alive(known.get("pid"))):
        _write_status(settings, name, state="queued", pid=os.getpid())
    with _lock(settings):
        found = comparable(settings, name)
        if found is not None:  # not needed, or built meanwhile by the process this one waited for
            result.status, result.exit_code, result.snapshot = "published", EXIT_OK, found.name
            progress(f"không cần dựng: {found.name} đọc được theo định nghĩa hiện hành")
            if found != source and _read_status(settings, name).get("state") != "ready":
                _write_status(settings, name, state="ready")
            return result
        started_at = dt.datetime.now().isoformat(timespec="seconds")
        try:
            _CopyRun(settings, progress, result, run_id, source).go()
        except Exception as exc:  # nothing placed; the reason is kept for status()
            result.status, result.exit_code = "failed", EXIT_FAILED
            result.error = (str(exc) if isinstance(exc, CopyError) else
                            f"lỗi không lường trước ({type(exc).__name__}: {exc}); chi tiết kỹ thuật trong nhật ký "
                            "của lần dựng lại")
            result.traceback = None if isinstance(exc, CopyError) else traceback.format_exc()
            progress(f"LỖI: {result.error}")
            if result.traceback:
                progress(result.traceback.rstrip())
            shutil.rmtree(copies_dir(settings) / "building", ignore_errors=True)
            _write_status(settings, name, state="failed", error=result.error, started_at=started_at,
                          ended_at=dt.datetime.now().isoformat(timespec="seconds"))
            return result
        result.seconds = time.monotonic() - started
        _write_status(settings, name, state="ready", started_at=started_at, run_id=run_id, rows=result.rows,
                      ended_at=dt.datetime.now().isoformat(timespec="seconds"), refused=result.rejected)
    result.status, result.exit_code = "published", EXIT_OK
    progress(f"bản dựng lại {result.snapshot}: {len(result.rejected)} tệp bị từ chối theo quy tắc hiện hành")
    return result


def main(argv: list[str] | None = None) -> int:
    from etl.argparse_vi import vietnamese_argparse
    from etl.settings import load_settings

    with vietnamese_argparse():
        p = argparse.ArgumentParser(
            prog="python -m etl.copies",
            description="Dựng lại một bản dữ liệu được giữ (của buổi giao ban, hoặc được ghim) do phiên bản cũ của "
                        "chương trình dựng: một bản sao dựng bằng chương trình hiện hành từ đúng các tệp lưu trữ mà "
                        "bản đó đã dùng, đặt trong warehouse/copies. Không thay đổi bản dữ liệu đang dùng.",
            epilog="Mã thoát: 0 bản dựng lại đã sẵn sàng (hoặc không cần dựng lại); 1 không dựng được (lý do in ra); "
                   "2 dùng sai lệnh hoặc không có bản dữ liệu này.")
        p.add_argument("--data-dir", metavar="THƯ_MỤC",
                       help="thư mục dữ liệu (mặc định $COVID_DATA_DIR, nếu không có thì ./data)")
        p.add_argument("snapshot", metavar="BẢN_DỮ_LIỆU", help="tên tệp bản dữ liệu, ví dụ 2022-03-15T020000_000000.duckdb")
        args = p.parse_args(argv)
    settings = load_settings(args.data_dir)
    name = Path(args.snapshot).name
    if not _source(settings, name).exists():
        print(f"Không có bản dữ liệu {name} trong {S.snapshots_dir(settings)}", file=sys.stderr)
        return EXIT_USAGE
    result = build(settings, name)
    if result.exit_code == EXIT_OK:
        print(f"Bản dựng lại sẵn sàng: {copies_dir(settings) / result.snapshot}", flush=True)
    else:
        print(f"Không dựng lại được bản dữ liệu {name}: {result.error}", file=sys.stderr, flush=True)
    return result.exit_code


if __name__ == "__main__":
    sys.exit(main())
