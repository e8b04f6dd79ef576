import pytest

from desktop.services.common.errors import ValidationError
from desktop.services.common.validation import clean_name, mask_name, mask_phone, normalize_phone


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("010-12345678-123", "010-12345678-123"),
        ("(010)12345678转88", "010-12345678-88"),
        ("0755-123-4567", "0755-1234567"),
        ("008613812345678", "13812345678"),
        ("+86-138-1234-5678", "13812345678"),
    ],
)
def test_phone_forms(raw, expected):
    assert normalize_phone(raw) == expected


def test_phone_error_names_the_field_and_the_fix():
    with pytest.raises(ValidationError) as err:
        normalize_phone("12345", "联系电话")
    assert err.value.field == "联系电话"
    assert "11位手机号" in str(err.value) and "区号" in str(err.value)


def test_masks_and_names():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("010-12345678") == "010-****5678"
    assert mask_name("张三") == "张*"
    assert clean_name("  张 三 ") == "张三"
