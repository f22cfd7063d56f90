"""The demo's accounts, one or more for each role, created in a demo data directory only (the launcher, and the
dashboard's own first start, call ensure() before the demo build) and listed on its sign-in page and in the README.
No other data directory ever gets them: ensure() refuses a directory that is not a fresh demo, and the state database
remembers that it is one (State.is_demo)."""
from __future__ import annotations

from dataclasses import dataclass

from app.state import State, open_state
from etl import firststart
from etl.demo_admin import MEMBERS
from etl.settings import Settings
from etl.units import UnitRegistry

# Documented in the README; the demo holds no real person's data.
DEMO_PASSWORD = "mau-demo-2022"
# The district account of the bundled demo (Vĩnh Phúc) is Tam Đảo's; in another province's demo, its first district.
DEMO_DISTRICT = {"26": "248"}


@dataclass(frozen=True)
class DemoAccount:
    login: str
    full_name: str
    role: str
    district_code: str | None = None


def demo_accounts(province_code: str) -> list[DemoAccount]:
    """Quản trị, Ban Chỉ đạo, Sở Y tế / CDC, one district's health centre, and every standing-committee member of the
    demo's assignments file (each answers for the districts the file gives them)."""
    registry = UnitRegistry.load(province_code)
    districts = dict(zip(registry.districts["district_code"], registry.districts["district_name"]))
    district = DEMO_DISTRICT.get(province_code, next(iter(districts), None))
    accounts = [DemoAccount("quantri", "Quản trị hệ thống (mẫu)", "admin"),
                DemoAccount("bcd", "Thành viên Ban Chỉ đạo tỉnh (mẫu)", "committee"),
                DemoAccount("syt", "Sở Y tế / CDC tỉnh (mẫu)", "health")]
    if district:
        accounts.append(DemoAccount("huyen", f"Trung tâm Y tế {districts[district]} (mẫu)", "district", district))
    accounts += [DemoAccount(login, f"{name} (Ủy viên Ban Thường vụ, mẫu)", "member") for name, login in MEMBERS]
    return accounts


def ensure(settings: Settings, state: State | None = None) -> State | None:
    """Create the demo accounts in a demo data directory (one that has never run the ETL, or is already marked as a
    demo), each with DEMO_PASSWORD and nothing to change at first sign-in; None for any other directory. `state`: the
    directory's state database when the caller holds it open (a server process does, app.signin.state_of)."""
    state = state or open_state(settings)
    if not state.is_demo():
        if not firststart.needs_demo(settings):
            return None
        state.mark_demo()
    existing = {a.login for a in state.accounts()}
    missing = [a for a in demo_accounts(settings.province_code) if a.login not in existing]
    if missing:
        # one hash for the one documented password (argon2id takes about 0,3 s a hash here: the first start waits
        # for it once, not once an account)
        hashed = state.hash_password(DEMO_PASSWORD)
        for account in missing:
            try:
                state.create_account(account.login, account.full_name, account.role, account.district_code,
                                     DEMO_PASSWORD, chosen=True, password_hash=hashed)
            except ValueError:
                # created meanwhile by the other process of a first start (the launcher, or a page opened at once)
                if state.account(account.login) is None:
                    raise
    return state
