"""The source contract in code: which columns each inbox folder carries, how they are spelled, their types.

docs/data-contract.md is the prose of this module; a test checks that both name the same sources.
The first alias of a column is the header the examples and the demo write.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from etl.textnorm import norm_key

# Column kinds understood by etl.readers
COMMUNE = "commune"          # GSO commune code or name -> 5-digit code
DISTRICT = "district"        # GSO district code or name -> 3-digit code
STORE = "store"              # 'Tỉnh' -> province code, or a district
UNIT_ANY = "unit_any"        # a district, or the province ('Tỉnh', 'Sở Y tế')
COMMUNE_DISTRICT = "commune_district"  # the district of the row's commune (name or code): only to match the commune
DATE = "date"
DATETIME = "datetime"
INT = "int"
TEXT = "text"
COHORT = "cohort"
DOSE = "dose"
YESNO = "yesno"
POP_VERSION = "pop_version"
TIER = "tier"


@dataclass(frozen=True)
class Column:
    name: str
    aliases: tuple[str, ...]
    kind: str
    required: bool = True
    minimum: int | None = None      # INT: a smaller value is loaded and flagged (raw.value_flags)
    event_date: bool = False        # DATE/DATETIME: the day something happened, so never after the run date

    @property
    def header(self) -> str:
        return self.aliases[0]


@dataclass(frozen=True)
class Source:
    name: str                       # inbox folder
    title: str                      # Vietnamese name for messages
    columns: tuple[Column, ...]
    key: tuple[str, ...]            # re-sent rows with the same key: latest received wins
    row_key: tuple[str, ...]        # contract columns naming a row: two rows of one file with the same values refuse it
    formats: tuple[str, ...] = (".csv", ".xlsx")
    title_rows: tuple[str, ...] = field(default=())  # values read from title rows above the table
    # optional district of the row's commune: read to match the commune, not loaded
    district_column: Column | None = None

    @property
    def anchor(self) -> Column:
        """The column whose header marks the header row of a sheet (always the first)."""
        return self.columns[0]

    @property
    def readable_columns(self) -> tuple[Column, ...]:
        """The columns a file may hold: the contract's, then the commune's district when the source has one."""
        return self.columns + ((self.district_column,) if self.district_column else ())

    def column(self, name: str) -> Column:
        return next(c for c in self.readable_columns if c.name == name)


_COUNT = object()


def _c(name: str, kind: str, *aliases: str, required: bool = True, minimum: object = _COUNT,
       event_date: bool = False) -> Column:
    """A column; an INT is a count (minimum 0) unless told otherwise."""
    if minimum is _COUNT:
        minimum = 0 if kind == INT else None
    return Column(name, tuple(aliases), kind, required, minimum, event_date)


def _commune_district() -> Column:
    """Optional district of the row's commune: it tells apart two communes of the same name in different districts."""
    return _c("district", COMMUNE_DISTRICT, "Huyện", "Mã huyện", "Quận, huyện", "Huyện, thị xã, thành phố",
              "Huyện/thị xã/thành phố", required=False)


COHORTS = ("18+", "12-17", "5-11")
COHORT_ALIASES = {
    "18+": ("18+", "≥18", ">=18", "Từ 18 tuổi trở lên", "Từ 18 tuổi", "18 tuổi trở lên", "Trên 18 tuổi", "Người lớn"),
    "12-17": ("12-17", "12 - 17", "12-17 tuổi", "12 - 17 tuổi", "Từ 12 đến dưới 18", "Từ 12 đến dưới 18 tuổi", "Từ 12-17 tuổi"),
    "5-11": ("5-11", "5 - 11", "5-11 tuổi", "5 - 11 tuổi", "Từ 5 đến dưới 12", "Từ 5 đến dưới 12 tuổi", "Trẻ 5-11 tuổi"),
}
COHORT_BY_KEY = {norm_key(a): c for c, aliases in COHORT_ALIASES.items() for a in aliases}

POP_VERSIONS = {"start": ("đầu kỳ", "dân số đầu kỳ", "start"), "current": ("hiện có", "dân số hiện có", "current")}
POP_VERSION_BY_KEY = {norm_key(a): v for v, aliases in POP_VERSIONS.items() for a in aliases}

TIERS = {
    "province": ("tuyến tỉnh", "tỉnh"),
    "district": ("tuyến huyện", "huyện"),
    "upper": ("tuyến trên", "bệnh viện tuyến trên", "trung ương"),
    "commune": ("tuyến xã", "xã"),
}
TIER_BY_KEY = {norm_key(a): t for t, aliases in TIERS.items() for a in aliases}

YES = {"co", "x", "1", "yes", "true", "dat"}
NO = {"khong", "0", "no", "false", ""}

TOTAL_ROW_KEYS = {"tong cong", "tong", "cong", "toan huyen", "toan tinh", "toan thanh pho", "toan thi xa", "tong so"}

PLATFORM = Source(
    "platform", "Dữ liệu nền tảng tiêm chủng",
    (
        _c("commune", COMMUNE, "Mã xã", "Ma xa", "Mã đơn vị", "Xã", "Xã, phường, thị trấn"),
        _c("vaccination_date", DATE, "Ngày tiêm", "Ngay tiem", "Ngày", event_date=True),
        _c("cohort", COHORT, "Nhóm tuổi", "Nhom tuoi", "Độ tuổi"),
        _c("dose", DOSE, "Mũi", "Mũi tiêm", "Mui", "Mũi thứ"),
        _c("product", TEXT, "Vắc xin", "Vac xin", "Loại vắc xin", "Tên vắc xin"),
        _c("doses", INT, "Số mũi", "So mui", "Số mũi tiêm", "Số liều"),
    ),
    district_column=_commune_district(),
    key=("vaccination_date",),
    row_key=("commune", "vaccination_date", "cohort", "dose", "product"),
)

_REPORT_COLS: list[Column] = [_c("commune", COMMUNE, "Xã, phường, thị trấn", "Xã/phường/thị trấn", "Tên xã", "Đơn vị", "Xã")]
for _grp, _version in (("Dân số đầu kỳ", "start"), ("Dân số hiện có", "current")):
    for _cohort, _suffix, _labels in (
        ("18+", "18", ("Từ 18 tuổi", "≥18 tuổi", "18 tuổi trở lên", "Từ 18 tuổi trở lên")),
        ("12-17", "12_17", ("12-17 tuổi", "Từ 12 đến dưới 18 tuổi", "12 - 17 tuổi")),
        ("5-11", "5_11", ("5-11 tuổi", "Từ 5 đến dưới 12 tuổi", "5 - 11 tuổi")),
    ):
        _REPORT_COLS.append(_c(f"pop_{_version}_{_suffix}", INT, *(f"{_grp} › {lab}" for lab in _labels)))
for _cohort, _prefix, _groups, _doses in (
    ("18+", "d18", ("Người ≥18 tuổi đã tiêm", "Người từ 18 tuổi trở lên đã tiêm", "Số người từ 18 tuổi đã tiêm"), (1, 2, 3, 4)),
    ("12-17", "d12", ("Người 12-17 tuổi đã tiêm", "Trẻ từ 12 đến dưới 18 tuổi đã tiêm", "Số người 12-17 tuổi đã tiêm"), (1, 2, 3)),
    ("5-11", "d5", ("Trẻ 5-11 tuổi đã tiêm", "Trẻ từ 5 đến dưới 12 tuổi đã tiêm", "Số trẻ 5-11 tuổi đã tiêm"), (1, 2)),
):
    for _dose in _doses:
        _REPORT_COLS.append(_c(f"{_prefix}_{_dose}", INT, *(f"{g} › Mũi {_dose}" for g in _groups)))
for _name, _labels in (
    ("unvax_refused", ("Không đồng ý (có cam kết)", "Không đồng ý tiêm, có cam kết", "Từ chối tiêm (có cam kết)")),
    ("unvax_deferred", ("Hoãn tiêm",)),
    ("unvax_contraindicated", ("Chống chỉ định",)),
    ("unvax_unknown", ("Không rõ lý do", "Chưa tiêm không rõ lý do")),
):
    _REPORT_COLS.append(_c(_name, INT, *(f"{g} › {lab}" for g in ("Chưa tiêm - lý do", "Số người chưa tiêm theo lý do") for lab in _labels)))
for _name, _labels in (
    ("unvax_over50", ("Trên 50 tuổi", "Người trên 50 tuổi")),
    ("unvax_comorbid", ("Có bệnh nền", "Người có bệnh nền")),
    ("unvax_pregnant", ("Phụ nữ mang thai", "Phụ nữ có thai")),
):
    _REPORT_COLS.append(_c(_name, INT, *(f"{g} › {lab}" for g in ("Chưa tiêm - nhóm ưu tiên", "Số người chưa tiêm thuộc nhóm ưu tiên") for lab in _labels)))

DISTRICT_REPORT = Source(
    "district_reports", "Biểu mẫu báo cáo tiêm chủng của huyện",
    tuple(_REPORT_COLS),
    key=("district_code", "report_date"),
    row_key=("commune",),
    formats=(".xlsx",),
    title_rows=("district", "report_date"),
)
# Words that introduce the title-row values of a district report
REPORT_TITLE_DISTRICT = ("đơn vị", "huyện", "đơn vị báo cáo")
REPORT_TITLE_DATE = ("số liệu đến ngày", "ngày báo cáo", "tính đến ngày", "đến ngày")

CASES = Source(
    "cases", "Báo cáo ca bệnh hằng ngày",
    (
        _c("commune", COMMUNE, "Mã xã", "Ma xa", "Xã"),
        _c("report_date", DATE, "Ngày báo cáo", "Ngày", event_date=True),
        _c("new_f0", INT, "F0 mới", "Số F0 mới", "Ca mắc mới"),
        _c("new_f0_from_f1", INT, "F0 mới đã là F1", "F1 chuyển F0"),
        _c("active_home", INT, "Đang điều trị tại nhà", "F0 điều trị tại nhà"),
        _c("active_facility", INT, "Đang điều trị tại cơ sở", "F0 điều trị tại cơ sở"),
        _c("recovered", INT, "Khỏi bệnh", "Khỏi"),
        _c("new_severe", INT, "Chuyển nặng", "Chuyển nặng mới"),
        _c("deaths", INT, "Tử vong", "Tử vong mới"),
        _c("active_with_antiviral", INT, "F0 đã được cấp thuốc", "Được cấp thuốc kháng vi rút"),
        _c("active_monitored", INT, "F0 được theo dõi sức khỏe", "Được theo dõi"),
    ),
    district_column=_commune_district(),
    key=("report_date", "commune_code"),
    row_key=("report_date", "commune"),
)

FACILITIES = Source(
    "facilities", "Danh sách cơ sở thu dung, điều trị",
    (
        _c("facility_code", TEXT, "Mã cơ sở", "Ma co so"),
        _c("facility_name", TEXT, "Tên cơ sở", "Ten co so"),
        _c("district", UNIT_ANY, "Huyện", "Mã huyện", "Địa bàn"),
        _c("tier", TIER, "Tuyến", "Tuyen"),
        _c("bed_quota", INT, "Định mức giường", "Định mức", "Số giường được giao"),
        _c("opened_on", DATE, "Ngày mở", "Ngày hoạt động"),
        _c("closed_on", DATE, "Ngày đóng", "Ngày dừng hoạt động", required=False),
    ),
    key=("facility_code",),
    row_key=("facility_code",),
    formats=(".xlsx", ".csv"),
)

FACILITY_STATUS = Source(
    "facility_status", "Báo cáo hoạt động cơ sở điều trị",
    (
        _c("facility_code", TEXT, "Mã cơ sở", "Ma co so"),
        _c("status_date", DATE, "Ngày", "Ngày báo cáo", event_date=True),
        _c("beds_ready", INT, "Giường sẵn sàng", "Số giường sẵn sàng"),
        _c("occupied", INT, "Đang điều trị", "Số đang điều trị"),
        _c("admissions", INT, "Nhập viện", "Tiếp nhận mới"),
        _c("discharges", INT, "Ra viện", "Xuất viện"),
        _c("referred_up", INT, "Chuyển tuyến trên", "Chuyển tuyến"),
        _c("staff_on_duty", INT, "Nhân viên trực", "Số nhân viên trực"),
    ),
    key=("status_date", "facility_code"),
    row_key=("status_date", "facility_code"),
)

COMMUNITY_CARE = Source(
    "community_care", "Trạm y tế lưu động và Tổ COVID cộng đồng",
    (
        _c("commune", COMMUNE, "Mã xã", "Xã"),
        _c("status_date", DATE, "Ngày", event_date=True),
        _c("mobile_stations", INT, "Trạm y tế lưu động", "Số trạm y tế lưu động"),
        _c("community_teams", INT, "Tổ COVID cộng đồng", "Số tổ COVID cộng đồng"),
    ),
    district_column=_commune_district(),
    key=("status_date", "commune_code"),
    row_key=("status_date", "commune"),
)

DUTY_CHECKS = Source(
    "duty_checks", "Kiểm tra trực trạm y tế xã",
    (
        _c("commune", COMMUNE, "Mã xã", "Xã", "Trạm y tế"),
        _c("checked_at", DATETIME, "Thời điểm kiểm tra", "Thời gian kiểm tra", event_date=True),
        _c("staff_present", YESNO, "Có người trực", "Có mặt"),
        _c("note", TEXT, "Ghi chú", required=False),
    ),
    district_column=_commune_district(),
    key=("checked_at", "commune_code"),
    row_key=("checked_at", "commune"),
)

STOCK = Source(
    "stock", "Sổ theo dõi vắc xin",
    (
        _c("store", STORE, "Kho", "Đơn vị", "Kho vắc xin"),
        _c("ledger_date", DATE, "Ngày", event_date=True),
        _c("product", TEXT, "Vắc xin", "Loại vắc xin"),
        _c("lot", TEXT, "Số lô", "Lô"),
        _c("expiry_date", DATE, "Hạn dùng", "Hạn sử dụng"),
        _c("received", INT, "Nhập", "Số nhập"),
        _c("issued", INT, "Xuất", "Xuất cấp"),
        _c("administered", INT, "Đã tiêm", "Sử dụng"),
        _c("wasted", INT, "Hủy", "Hủy bỏ", "Hao hụt"),
        # a negative count on hand is flagged with its lot by checks/negative_stock.sql
        _c("on_hand", INT, "Tồn", "Tồn kho", "Tồn cuối", minimum=None),
    ),
    key=("ledger_date", "store_code", "product", "lot"),
    row_key=("ledger_date", "store", "product", "lot"),
)

ASSIGNMENTS = Source(
    "assignments", "Phân công Ủy viên Ban Thường vụ phụ trách địa bàn",
    (
        _c("district", DISTRICT, "Huyện", "Địa bàn", "Huyện, thành phố"),
        _c("member", TEXT, "Ủy viên BTV phụ trách", "Đồng chí phụ trách", "Ủy viên phụ trách"),
        _c("member_login", TEXT, "Tài khoản", "Tên đăng nhập"),
        _c("district_secretary", TEXT, "Bí thư huyện ủy", "Bí thư"),
    ),
    key=(),
    row_key=("district",),
    formats=(".xlsx", ".csv"),
)

SUBMISSIONS = Source(
    "submissions", "Báo cáo gửi tỉnh theo hạn",
    (
        _c("unit", UNIT_ANY, "Đơn vị", "Huyện"),
        _c("target_id", TEXT, "Mã chỉ tiêu", "Mã nhiệm vụ"),
        _c("submitted_on", DATE, "Ngày gửi", "Ngày nộp", event_date=True),
    ),
    key=("target_id", "unit_code"),
    row_key=("target_id", "unit", "submitted_on"),
)

POPULATION = Source(
    "population", "Dân số theo xã",
    (
        _c("commune", COMMUNE, "Mã xã", "Xã"),
        _c("version", POP_VERSION, "Phiên bản", "Loại dân số"),
        _c("pop_total", INT, "Tổng dân số", "Dân số"),
        _c("pop_18", INT, "Từ 18 tuổi", "18+"),
        _c("pop_12_17", INT, "12-17 tuổi", "12-17"),
        _c("pop_5_11", INT, "5-11 tuổi", "5-11"),
        _c("source", TEXT, "Nguồn", "Nguồn số liệu"),
    ),
    district_column=_commune_district(),
    key=("commune_code", "version"),
    row_key=("commune", "version"),
)

TARGETS_SOURCE = "targets"  # TOML, read by etl.targets
BOUNDARIES_SOURCE = "boundaries"  # commune boundaries: .zip (shapefile), .gpkg, .geojson, read by etl.boundaries

TABULAR_SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        PLATFORM, DISTRICT_REPORT, CASES, FACILITIES, FACILITY_STATUS, COMMUNITY_CARE,
        DUTY_CHECKS, STOCK, ASSIGNMENTS, SUBMISSIONS, POPULATION,
    )
}
SOURCE_NAMES: tuple[str, ...] = tuple(TABULAR_SOURCES) + (TARGETS_SOURCE, BOUNDARIES_SOURCE)
