import pytest

from desktop.models import Department, Staff
from desktop.services.admin import staff
from desktop.services.common.errors import ValidationErrors


def test_create_update_deactivate(database):
    wang = staff.create_staff(
        {"name": "王 芳", "role": "回访员", "department": "客服部", "phone": "138 1234 5678"}
    )
    assert (wang.name, wang.role, wang.department.name, wang.phone) == (
        "王芳",
        "回访员",
        "客服部",
        "13812345678",
    )
    staff.update_staff(wang, {"name": "王芳", "role": "主管", "department": "", "phone": ""})
    wang = Staff.get_by_id(wang.id)
    assert (wang.role, wang.department, wang.phone) == ("主管", None, "")
    assert staff.department_names() == ["客服部"]
    staff.set_active(wang, False)
    assert staff.active_names() == [] and [s.name for s in staff.list_staff()] == ["王芳"]


def test_invalid_staff_names_every_field(database):
    with pytest.raises(ValidationErrors) as info:
        staff.create_staff({"name": " ", "role": "老板", "phone": "123"})
    assert info.value.fields == ["姓名", "角色", "电话"]
    assert Staff.select().count() == 0 and Department.select().count() == 0


def test_duplicate_active_names_are_refused(database):
    first = staff.create_staff({"name": "赵强", "role": "服务工程师"})
    with pytest.raises(ValidationErrors, match="已有在职员工"):
        staff.create_staff({"name": "赵强", "role": "回访员"})
    staff.set_active(first, False)
    second = staff.create_staff({"name": "赵强", "role": "回访员"})
    with pytest.raises(ValidationErrors):
        staff.set_active(first, True)
    assert staff.active_names(role="回访员") == ["赵强"] and second.active
