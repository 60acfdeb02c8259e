"""The demo province: Sở GDĐT Quảng Trị, its 9 district offices, two schools per district, with
principals, teachers, classes, students and guardians (realistic Vietnamese names).

Deterministic (seeded) and idempotent: a second run finds the department and only prints the
accounts. Everything goes through the same services as the API, as the bootstrap department admin.
``demo_workspace`` then fills each school's workspace (year, timetable, grades, documents, ...).
"""

from __future__ import annotations

import contextlib
import random
import secrets
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any
from uuid import UUID

from schoolhub.demo_workspace import seed_workspace
from schoolhub.platform import audit, db
from schoolhub.platform.auth.passwords import hash_password
from schoolhub.platform.errors import Conflict
from schoolhub.platform.principal import OfficeGrant, Principal, Role
from schoolhub.tenants import repository as tenants_repo
from schoolhub.tenants import service as tenants
from schoolhub.workspace import repository as ws_repo

DEMO_PASSWORD = "Demo@2026"
SCHOOL_YEAR = "2026-2027"

DEPARTMENT = ("SGDDT-QT", "Sở Giáo dục và Đào tạo Quảng Trị")
DISTRICTS = [
    ("DH", "Phòng GDĐT thành phố Đông Hà"),
    ("TXQT", "Phòng GDĐT thị xã Quảng Trị"),
    ("VL", "Phòng GDĐT huyện Vĩnh Linh"),
    ("GL", "Phòng GDĐT huyện Gio Linh"),
    ("CL", "Phòng GDĐT huyện Cam Lộ"),
    ("TP", "Phòng GDĐT huyện Triệu Phong"),
    ("HL", "Phòng GDĐT huyện Hải Lăng"),
    ("HH", "Phòng GDĐT huyện Hướng Hóa"),
    ("DKR", "Phòng GDĐT huyện Đakrông"),
]
SCHOOLS = {
    "DH": [
        ("Trường Tiểu học Nguyễn Trãi", "primary"),
        ("Trường THCS Trần Hưng Đạo", "lower_secondary"),
    ],
    "TXQT": [
        ("Trường Tiểu học Thành Cổ", "primary"),
        ("Trường THCS Lương Thế Vinh", "lower_secondary"),
    ],
    "VL": [("Trường Tiểu học Hồ Xá", "primary"), ("Trường THCS Vĩnh Long", "lower_secondary")],
    "GL": [("Trường Tiểu học Gio Linh", "primary"), ("Trường THCS Gio Mai", "lower_secondary")],
    "CL": [("Trường Tiểu học Cam Lộ", "primary"), ("Trường THCS Cam Thành", "lower_secondary")],
    "TP": [("Trường Tiểu học Ái Tử", "primary"), ("Trường THCS Triệu Phước", "lower_secondary")],
    "HL": [("Trường Tiểu học Diên Sanh", "primary"), ("Trường THCS Hải Thượng", "lower_secondary")],
    "HH": [
        ("Trường PTDTBT Tiểu học Hướng Phùng", "primary"),
        ("Trường THCS Khe Sanh", "lower_secondary"),
    ],
    "DKR": [
        ("Trường PTDTBT Tiểu học A Ngo", "primary"),
        ("Trường PTDTNT THCS Đakrông", "lower_secondary"),
    ],
}
FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Phan",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Hồ",
    "Ngô",
    "Dương",
    "Lý",
    "Trương",
    "Mai",
]
MIDDLE_M = ["Văn", "Hữu", "Đức", "Minh", "Quang", "Công", "Thành"]
MIDDLE_F = ["Thị", "Ngọc", "Thu", "Thanh", "Minh", "Khánh", "Bảo"]
GIVEN_M = [
    "An",
    "Bình",
    "Cường",
    "Dũng",
    "Hải",
    "Hiếu",
    "Hoàng",
    "Khoa",
    "Long",
    "Nam",
    "Phúc",
    "Quân",
    "Sơn",
    "Tâm",
    "Trung",
    "Việt",
]
GIVEN_F = [
    "Anh",
    "Chi",
    "Diệp",
    "Hà",
    "Hạnh",
    "Hương",
    "Lan",
    "Linh",
    "Mai",
    "My",
    "Nhung",
    "Phương",
    "Quỳnh",
    "Thảo",
    "Trang",
    "Vy",
]


@dataclass(frozen=True)
class DemoAccount:
    login: str
    password: str
    role: str
    full_name: str
    school_code: str | None = None
    school_name: str | None = None
    office_code: str | None = None
    office_name: str | None = None


def _name(rng: random.Random, female: bool) -> str:
    if female:
        return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE_F)} {rng.choice(GIVEN_F)}"
    return f"{rng.choice(FAMILY)} {rng.choice(MIDDLE_M)} {rng.choice(GIVEN_M)}"


class _Builder:
    def __init__(self) -> None:
        self.rng = random.Random(2026)
        self.password_hash = hash_password(DEMO_PASSWORD)
        self.accounts: list[DemoAccount] = []
        self.phone_seq = 0

    def phone(self) -> str:
        self.phone_seq += 1
        return f"+8490{self.phone_seq:07d}"

    async def user(self, login: str, full_name: str, *, phone: bool = False) -> UUID:
        async with db.system():
            row = await tenants_repo.insert_user(
                login, full_name, self.phone() if phone else None, self.password_hash
            )
        return UUID(str(row["id"]))


async def load_demo() -> list[DemoAccount]:
    """Create the demo province unless it exists; return every demo account."""
    b = _Builder()
    async with db.system():
        exists = await db.fetchrow("SELECT id FROM tenants_org_unit WHERE code = $1", DEPARTMENT[0])
    if exists:
        await seed_workspace()  # fills a province loaded before the workspace content existed
        return await _describe_existing()
    async with db.system():
        dept = await tenants_repo.insert_org_unit("department", DEPARTMENT[0], DEPARTMENT[1], None)
    admin_id = await b.user("admin.so", "Lê Quang Minh")
    async with db.system():
        await tenants_repo.insert_office_membership(
            dept["id"], admin_id, Role.DEPARTMENT_ADMIN.value
        )
        await audit.record_global(
            "demo.bootstrap", actor_user_id=None, target_type="user", target_id=str(admin_id)
        )
    admin = Principal(
        user_id=admin_id,
        office_grants=(OfficeGrant(dept["id"], "department", Role.DEPARTMENT_ADMIN),),
    )

    # A guardian with children in two schools, and a teacher who works in two schools.
    shared_guardian = await b.user("phuhuynh.hoa", "Trần Thị Hoa", phone=True)
    shared_teacher = await b.user("gv.lien", "Phạm Thị Liên")
    school_ids: list[UUID] = []
    for d_index, (d_code, d_name) in enumerate(DISTRICTS):
        district = await tenants.create_org_unit(
            admin, kind="district", code=f"PGD-{d_code}", name=d_name, parent_id=dept["id"]
        )
        district_admin = await b.user(f"pgd.{d_code.lower()}", _name(b.rng, d_index % 2 == 0))
        await tenants.appoint_office_admin(
            admin,
            org_unit_id=district["id"],
            user_id=district_admin,
            role=Role.DISTRICT_ADMIN.value,
        )
        for s_index, (s_name, level) in enumerate(SCHOOLS[d_code]):
            code = f"QT-{d_code}-{'TH' if level == 'primary' else 'THCS'}{s_index + 1}"
            school = await tenants.provision_school(
                admin,
                code=code,
                name=s_name,
                level=level,
                ownership="public",
                org_unit_id=district["id"],
                address=f"{d_name.split(' ', 2)[-1]}, Quảng Trị",
            )
            sid = UUID(str(school["id"]))
            school_ids.append(sid)
            principal_id = await _populate_school(
                b, admin, sid, code, level, shared_guardian, shared_teacher, len(school_ids)
            )
            await _fees(sid, principal_id, len(school_ids))
    await seed_workspace()
    return await _describe_existing()


async def _fees(school_id: UUID, principal_id: UUID, ordinal: int) -> None:
    """A demo VNPay terminal (works with the simulator: SCHOOLHUB_VNPAY_SIMULATOR=1), this month's
    meals and the student health insurance (BHYT, 12 months at the 2025 rate), invoiced."""
    from schoolhub.payments import fees, intents

    head = Principal(user_id=principal_id, school_roles={school_id: frozenset({Role.PRINCIPAL})})
    await intents.configure_merchant(
        head, school_id, tmn_code=f"QTDEMO{ordinal:02d}", hash_secret=secrets.token_hex(16)
    )
    meals = await fees.create_fee_item(
        head,
        school_id,
        name="Tiền ăn bán trú tháng 9/2026",
        amount_vnd=450_000,
        mandatory=False,
        period="monthly",
        category="meals",
    )
    bhyt = await fees.create_fee_item(
        head,
        school_id,
        name="Bảo hiểm y tế học sinh 12 tháng",
        amount_vnd=631_800,
        mandatory=True,
        period="year",
        category="bhyt",
    )
    async with db.tenant(school_id):
        grades = [
            r["grade"]
            for r in await db.fetch(
                "SELECT DISTINCT grade FROM workspace_class WHERE school_id = $1", school_id
            )
        ]
    for grade in grades:
        await fees.create_fee_plan(head, meals["id"], grade=grade)
        await fees.create_fee_plan(head, bhyt["id"], grade=grade)
    await fees.generate_invoices(
        head, school_id, period="2026-09", period_kind="monthly", due_date=date(2026, 9, 30)
    )
    await fees.generate_invoices(
        head, school_id, period="2026-2027", period_kind="year", due_date=date(2026, 10, 15)
    )


async def _populate_school(
    b: _Builder,
    admin: Principal,
    school_id: UUID,
    code: str,
    level: str,
    shared_guardian: UUID,
    shared_teacher: UUID,
    ordinal: int,
) -> UUID:
    """Staff, classes, students and guardians of one school; returns the principal's id."""
    slug = code.lower().replace("-", "")
    principal_id = await b.user(f"hieutruong.{slug}", _name(b.rng, ordinal % 2 == 1))
    await tenants.grant_membership(
        admin, school_id=school_id, user_id=principal_id, role=Role.PRINCIPAL.value
    )
    teachers = [await b.user(f"gv{i}.{slug}", _name(b.rng, i % 2 == 0)) for i in range(1, 4)]
    accountant = await b.user(f"ketoan.{slug}", _name(b.rng, True))
    if ordinal in (1, 2):
        teachers.append(shared_teacher)
    for teacher in teachers:
        await tenants.grant_membership(
            admin, school_id=school_id, user_id=teacher, role=Role.TEACHER.value
        )
    await tenants.grant_membership(
        admin, school_id=school_id, user_id=accountant, role=Role.ACCOUNTANT.value
    )
    grades = (3, 4) if level == "primary" else (6, 8)
    birth_base = 2026 - 6 if level == "primary" else 2026 - 11
    for c_index, grade in enumerate(grades):
        async with db.tenant(school_id):
            klass = await ws_repo.insert_class(
                school_id, SCHOOL_YEAR, f"{grade}A", grade, teachers[c_index]
            )
        for n in range(1, 9):
            female = b.rng.random() < 0.5
            student_name = _name(b.rng, female)
            student_code = f"{code.replace('-', '')}{grade:02d}{n:03d}"
            share = ordinal in (1, 2) and c_index == 0 and n == 1
            guardian_id = (
                shared_guardian
                if share
                else await b.user(
                    f"ph.{student_code.lower()}", _name(b.rng, not female), phone=True
                )
            )
            async with db.tenant(school_id, admin.user_id):
                student = await ws_repo.insert_student(
                    school_id,
                    student_code,
                    student_name,
                    date(birth_base - (grade - grades[0]), 1 + n % 12, 1 + n),
                    "female" if female else "male",
                    klass["id"],
                )
                await ws_repo.insert_guardian_link(
                    school_id, student["id"], guardian_id, "mother" if share else "father", True
                )
            with contextlib.suppress(Conflict):  # already a guardian here (several children)
                await tenants.grant_membership(
                    admin, school_id=school_id, user_id=guardian_id, role=Role.GUARDIAN.value
                )
    return principal_id


async def _describe_existing() -> list[DemoAccount]:
    async with db.system():
        offices = await db.fetch(
            "SELECT u.login, u.full_name, om.role, ou.code, ou.name FROM tenants_office_membership om"
            " JOIN identity_user u ON u.id = om.user_id JOIN tenants_org_unit ou ON ou.id = om.org_unit_id"
            " WHERE om.revoked_at IS NULL ORDER BY ou.code, u.login"
        )
        schools = await db.fetch("SELECT id, code, name FROM tenants_school ORDER BY code")
    accounts = [
        DemoAccount(
            r["login"],
            DEMO_PASSWORD,
            r["role"],
            r["full_name"],
            office_code=r["code"],
            office_name=r["name"],
        )
        for r in offices
    ]
    for school in schools:
        async with db.tenant(school["id"]):
            rows = await db.fetch(
                "SELECT m.user_id, m.role FROM tenants_membership m WHERE m.revoked_at IS NULL"
                " ORDER BY m.role, m.created_at"
            )
        async with db.system():
            users = {
                u["id"]: u
                for u in await db.fetch(
                    "SELECT id, login, full_name FROM identity_user WHERE id = ANY($1::uuid[])",
                    [r["user_id"] for r in rows],
                )
            }
        for r in rows:
            u = users[r["user_id"]]
            accounts.append(
                DemoAccount(
                    u["login"],
                    DEMO_PASSWORD,
                    r["role"],
                    u["full_name"],
                    school_code=school["code"],
                    school_name=school["name"],
                )
            )
    return accounts


def as_json_objects(accounts: list[DemoAccount]) -> list[dict[str, Any]]:
    return [{k: v for k, v in asdict(a).items() if v is not None} for a in accounts]
