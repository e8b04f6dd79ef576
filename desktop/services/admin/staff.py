"""员工 (staff): the people who call customers, the engineers and supervisors.

Staff are deactivated, never deleted: visit tasks and history keep their names.
"""

import peewee as pw

from desktop.models import Department, Staff, db

from ..common.errors import UserError, ValidationError, ValidationErrors
from ..common.validation import clean_name, clean_text, normalize_phone
from . import accounts


def list_staff(include_inactive: bool = True, role: str | None = None) -> list[Staff]:
    query = Staff.select(Staff, Department).join(Department, pw.JOIN.LEFT_OUTER)
    if not include_inactive:
        query = query.where(Staff.active)
    if role is not None:
        query = query.where(Staff.role == role)
    return list(query.order_by(Staff.active.desc(), Staff.name, Staff.id))


def active_names(role: str | None = None) -> list[str]:
    return [s.name for s in list_staff(include_inactive=False, role=role)]


def department_names() -> list[str]:
    return [d.name for d in Department.select().order_by(Department.name)]


def validate_staff(data: dict) -> dict:
    """Check the form as a whole; raises ValidationErrors naming every bad field."""
    clean, errors = {}, []
    try:
        clean["name"] = clean_name(data.get("name"), "姓名")
    except ValidationError as err:
        errors.append(err)
    role = clean_text(data.get("role") or Staff.ROLES[0], "角色", max_len=20)
    if role not in Staff.ROLES:
        errors.append(
            ValidationError("角色", f"“{role}”不是可选的角色，请从 {'、'.join(Staff.ROLES)} 中选择。")
        )
    clean["role"] = role
    try:
        clean["department"] = clean_text(data.get("department"), "部门", max_len=30)
    except ValidationError as err:
        errors.append(err)
    phone = data.get("phone")
    try:
        clean["phone"] = normalize_phone(phone, "电话") if clean_text(phone, "电话", max_len=40) else ""
    except ValidationError as err:
        errors.append(err)
    if errors:
        raise ValidationErrors(errors)
    return clean


def _department(name: str) -> Department | None:
    if not name:
        return None
    department, _created = Department.get_or_create(name=name)
    return department


def _check_duplicate(clean: dict, exclude_id: int | None) -> None:
    query = Staff.select().where((Staff.name == clean["name"]) & Staff.active)
    if exclude_id is not None:
        query = query.where(Staff.id != exclude_id)
    if query.exists():
        raise ValidationErrors(
            [
                ValidationError(
                    "姓名", f"已有在职员工“{clean['name']}”。同名时请加以区分，如“{clean['name']}（二组）”。"
                )
            ]
        )


@accounts.requires(accounts.MANAGE, "修改员工")
def create_staff(data: dict) -> Staff:
    clean = validate_staff(data)
    _check_duplicate(clean, None)
    with db.atomic():
        return Staff.create(
            name=clean["name"],
            role=clean["role"],
            department=_department(clean["department"]),
            phone=clean["phone"],
        )


def _get(staff) -> Staff:
    staff_id = staff.id if isinstance(staff, Staff) else int(staff)
    found = Staff.get_or_none(Staff.id == staff_id)
    if found is None:
        raise UserError("找不到该员工，可能已被修改，请刷新后重试。")
    return found


@accounts.requires(accounts.MANAGE, "修改员工")
def update_staff(staff, data: dict) -> Staff:
    found = _get(staff)
    clean = validate_staff(data)
    if found.active:
        _check_duplicate(clean, found.id)
    with db.atomic():
        found.name = clean["name"]
        found.role = clean["role"]
        found.department = _department(clean["department"])
        found.phone = clean["phone"]
        found.save()
    return found


@accounts.requires(accounts.MANAGE, "修改员工")
def set_active(staff, active: bool) -> Staff:
    found = _get(staff)
    if found.active == active:
        return found
    if active:
        _check_duplicate({"name": found.name}, found.id)
    found.active = active
    found.save()
    return found
