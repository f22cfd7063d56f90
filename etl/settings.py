"""Where the data lives and which province it is: command line > environment > data/settings.toml > defaults."""
from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = PROJECT_DIR / "data"
DEFAULT_PROVINCE = "26"  # Vĩnh Phúc, the bundled demo
DEFAULT_KEEP = 7


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    province_code: str
    keep_snapshots: int
    # The CRS of a commune boundary file that does not say its own (a shapefile without .prj): an EPSG code or the
    # province's VN-2000 central meridian, e.g. "VN-2000 105°00'" (etl/boundaries.py). None: such a file is refused.
    boundary_crs: str | None = None

    @property
    def inbox(self) -> Path:
        return self.data_dir / "inbox"

    @property
    def archive(self) -> Path:
        return self.data_dir / "archive"

    @property
    def quarantine(self) -> Path:
        return self.data_dir / "quarantine"

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "warehouse"

    @property
    def settings_file(self) -> Path:
        return self.data_dir / "settings.toml"


def load_settings(data_dir: str | Path | None = None, province: str | None = None,
                  keep: int | None = None) -> Settings:
    root = Path(data_dir or os.environ.get("COVID_DATA_DIR") or DEFAULT_DATA_DIR).resolve()
    stored = _stored(root)
    code = province or os.environ.get("COVID_PROVINCE") or stored.get("province") or DEFAULT_PROVINCE
    return Settings(
        data_dir=root,
        province_code=str(code).zfill(2),
        keep_snapshots=int(keep or stored.get("keep_snapshots") or DEFAULT_KEEP),
        boundary_crs=stored.get("boundary_crs"),
    )


def _stored(root: Path) -> dict:
    settings_file = root / "settings.toml"
    if not settings_file.exists():
        return {}
    return tomllib.loads(settings_file.read_text(encoding="utf-8"))


def province_origin(province: str | None = None) -> str:
    """Where load_settings took the province from, in the words of an error message."""
    if province:
        return "--province"
    if os.environ.get("COVID_PROVINCE"):
        return "biến môi trường COVID_PROVINCE"
    return "settings.toml của thư mục dữ liệu, hoặc mặc định"


def stored_province(settings: Settings) -> str | None:
    """The province recorded in the data directory's settings.toml, if any."""
    code = _stored(settings.data_dir).get("province")
    return str(code).zfill(2) if code else None


def record_province(settings: Settings) -> None:
    """A data directory records its province on its first run, so later runs and the dashboard agree on it."""
    if not settings.settings_file.exists():
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        settings.settings_file.write_text(
            f'# Tỉnh của kho dữ liệu này (mã GSO)\nprovince = "{settings.province_code}"\n', encoding="utf-8")


def save_province(settings: Settings) -> None:
    """Record the province of a data directory, so later runs and the dashboard agree on it."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    settings.settings_file.write_text(
        f'# Tỉnh của kho dữ liệu này (mã GSO)\nprovince = "{settings.province_code}"\n'
        f"keep_snapshots = {settings.keep_snapshots}\n"
        + (f"# Hệ tọa độ của tệp ranh giới xã không tự ghi hệ tọa độ (mã EPSG hoặc kinh tuyến trục VN-2000)\n"
           f"boundary_crs = {json.dumps(settings.boundary_crs, ensure_ascii=False)}\n" if settings.boundary_crs else ""),
        encoding="utf-8",
    )
