"""Inbox -> immutable archive with a manifest; quarantine for refused files.

The manifest is an append-only JSON-lines file of events per file (keyed by sha256): archived, rejected,
published. A file leaves the inbox only once a published snapshot includes it (or once it is quarantined),
so a run killed at any point loses nothing: the next run finds the file still in the inbox.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from etl.contracts import SOURCE_NAMES
from etl.settings import Settings

IGNORED_PREFIXES = ("~$", ".", "_")  # Excel lock files, hidden files, editors' temporaries


@dataclass
class InboxFile:
    path: Path            # where it is in the inbox
    source: str | None    # None: the folder names no source
    sha256: str
    received_at: str      # ISO time: the file's modification time when it reached the inbox
    size: int

    @property
    def file_id(self) -> str:
        return self.sha256[:16]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def scan_inbox(settings: Settings) -> list[InboxFile]:
    found = []
    if not settings.inbox.exists():
        return found
    for path in sorted(settings.inbox.rglob("*")):
        if not path.is_file() or path.name.startswith(IGNORED_PREFIXES):
            continue
        rel = path.relative_to(settings.inbox)
        source = rel.parts[0] if len(rel.parts) > 1 and rel.parts[0] in SOURCE_NAMES else None
        stat = path.stat()
        found.append(InboxFile(
            path=path, source=source, sha256=sha256_of(path),
            received_at=dt.datetime.fromtimestamp(stat.st_mtime).isoformat(timespec="seconds"),
            size=stat.st_size,
        ))
    return found


class Manifest:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.path = settings.archive / "manifest.jsonl"

    def events(self) -> list[dict]:
        if not self.path.exists():
            return []
        out = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # the last line of a killed run may be cut short
        return out

    def files(self) -> dict[str, dict]:
        """sha256 -> the file's record with its latest status."""
        state: dict[str, dict] = {}
        for ev in self.events():
            state.setdefault(ev["sha256"], {}).update(ev)
        return state

    def append(self, **event) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        event.setdefault("at", dt.datetime.now().isoformat(timespec="seconds"))
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(event, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())


def archive_file(settings: Settings, manifest: Manifest, item: InboxFile) -> Path:
    """Copy the file, unchanged and with its times, into the archive; record it once."""
    folder = settings.archive / (item.source or "_unknown")
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{item.sha256[:12]}__{item.path.name}"
    if not target.exists():
        tmp = target.with_name(target.name + ".part")
        shutil.copy2(item.path, tmp)
        os.replace(tmp, target)
    known = manifest.files().get(item.sha256)
    if known is None:
        manifest.append(
            sha256=item.sha256, file_id=item.file_id, source=item.source, name=item.path.name,
            archived_path=str(target.relative_to(settings.data_dir)), received_at=item.received_at,
            size=item.size, status="archived",
        )
    return target


def quarantine(settings: Settings, archived: Path, original_name: str, report: str) -> Path:
    """Put a copy of a refused file in quarantine/ with a report in Vietnamese beside it."""
    settings.quarantine.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = settings.quarantine / f"{stamp}__{original_name}"
    shutil.copy2(archived, target)
    target.with_name(target.name + ".loi.txt").write_text(report + "\n", encoding="utf-8")
    return target
