"""Signatures lock a visit: stored with hashes, edits refused without a supervisor, audited."""

import struct
import zlib
from datetime import date, datetime

import pytest

from desktop.models import Answer, AuditLog, Staff, Visit, VisitSignature
from desktop.services.common.errors import UserError, ValidationErrors
from desktop.services.intake import customers
from desktop.services.visits import signatures, templates, visits
from desktop.services.visits.signatures import LockedVisitError, SupervisorOverride
from desktop.services.visits.visits import SignatureInput, VisitInput


def tiny_png(shade: int = 0) -> bytes:
    """A valid 2×2 grey PNG (no Qt needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + bytes([shade, shade]) for _ in range(2))
    return (
        signatures.PNG_MAGIC
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


@pytest.fixture
def setup(database):
    customer = customers.create_customer(
        {"code": "C1", "name": "张三", "title": "先生", "phone": "13812345678"}
    )
    order = customers.create_order(
        {"order_no": "GD1", "customer_id": customer.id, "service_type": "维修", "product_model": "KFR-35GW"}
    )
    template = templates.active_template("after_sales")
    questions = templates.questions_of(template)
    boss = Staff.create(name="赵主管", role="主管")
    Staff.create(name="钱员工", role="回访员")
    Staff.create(name="孙离职", role="主管", active=False)
    return customer, order, template, questions, boss


def _answers(questions, level=4):
    out = {}
    for q in questions:
        if q.kind == "level5":
            out[q.id] = (level, "")
        elif q.kind == "nps":
            out[q.id] = (9, "")
        else:
            out[q.id] = (None, "希望上门前先打电话")
    return out


def _input(setup, **kw) -> VisitInput:
    customer, order, template, questions, _boss = setup
    data = VisitInput(
        customer_id=customer.id,
        order_id=order.id,
        template_id=template.id,
        visit_date=date(2024, 10, 9),
        method="上门",
        visitor="王芳",
        respondent="张先生",
        answers=_answers(questions),
        feedback="工程师很专业",
    )
    for key, value in kw.items():
        setattr(data, key, value)
    return data


def _signed_visit(setup) -> Visit:
    sig = SignatureInput(tiny_png(), signed_at=datetime(2024, 10, 9, 14, 32, 5), device="手写笔")
    return visits.save_visit(_input(setup), final=True, signature=sig)


def test_signature_is_stored_with_hashes_and_sets_the_status(setup):
    visit = _signed_visit(setup)
    assert Visit.get_by_id(visit.id).sign_status == "电子签名"
    row = VisitSignature.get(VisitSignature.visit == visit.id)
    assert bytes(row.image) == tiny_png()
    assert row.sha256 == signatures.sha256_hex(tiny_png())
    assert row.signed_at == datetime(2024, 10, 9, 14, 32, 5)
    assert row.signer == "张先生" and row.device == "手写笔"
    info = signatures.signature_of(visit.id)
    assert info.image_ok and info.content_ok and "校验通过" in info.status_text


def test_a_tampered_signature_image_fails_verification(setup):
    visit = _signed_visit(setup)
    VisitSignature.update(image=tiny_png(200)).where(VisitSignature.visit == visit.id).execute()
    info = signatures.signature_of(visit.id)
    assert not info.image_ok and "校验失败" in info.status_text


def test_a_locked_visit_refuses_an_edit_without_the_supervisor(setup):
    *_, questions, _boss = setup
    visit = _signed_visit(setup)
    answers = _answers(questions)
    answers[questions[0].id] = (2, "")
    with pytest.raises(LockedVisitError) as info:
        visits.save_visit(_input(setup, answers=answers), final=True, visit_id=visit.id)
    message = str(info.value)
    assert "已由客户签字" in message and "主管" in message
    assert "第1题" in message and "满意 → 不满意" in message
    # nothing changed, nothing audited
    assert Answer.get((Answer.visit == visit.id) & (Answer.question == questions[0].id)).value == 4
    assert AuditLog.select().count() == 0


def test_notes_stay_editable_and_completing_is_not_an_edit(setup):
    visit = _signed_visit(setup)
    again = visits.save_visit(_input(setup, mood="强烈不满", repurchase=True), final=True, visit_id=visit.id)
    assert again.mood == "强烈不满" and again.repurchase
    assert AuditLog.select().count() == 0


def test_supervisor_override_changes_and_audits(setup):
    *_, questions, boss = setup
    visit = _signed_visit(setup)
    answers = _answers(questions)
    answers[questions[0].id] = (2, "")
    override = SupervisorOverride("赵主管", "录入时看错了纸质表第1题", operator="王芳")
    visits.save_visit(
        _input(setup, answers=answers, feedback="工程师很专业，但迟到了"),
        final=True,
        visit_id=visit.id,
        override=override,
    )
    assert Answer.get((Answer.visit == visit.id) & (Answer.question == questions[0].id)).value == 2
    log = AuditLog.get()
    assert (log.entity, log.entity_id, log.action) == ("visit", visit.id, "修改已签字回访")
    assert log.supervisor_id == boss.id and log.supervisor_name == "赵主管"
    assert log.operator == "王芳" and log.reason == "录入时看错了纸质表第1题"
    fields = {c["field"]: (c["old"], c["new"]) for c in log.changes}
    assert fields["宝贵意见"] == ("工程师很专业", "工程师很专业，但迟到了")
    first = next(k for k in fields if k.startswith("第1题"))
    assert fields[first] == ("满意", "不满意")
    # the signature is kept, and now says the content changed after signing
    info = signatures.signature_of(visit.id)
    assert info.image_ok and not info.content_ok and "主管确认" in info.status_text
    entries = signatures.audit_entries(visit.id)
    assert len(entries) == 1 and "赵主管" in entries[0].text and "满意 → 不满意" in entries[0].text


@pytest.mark.parametrize(
    ("name", "reason", "fragment"),
    [
        ("钱员工", "看错了", "不是在职的主管"),
        ("孙离职", "看错了", "不是在职的主管"),
        ("", "看错了", "主管姓名"),
        ("赵主管", "  ", "修改原因"),
    ],
)
def test_override_must_name_an_active_supervisor_and_a_reason(setup, name, reason, fragment):
    *_, questions, _boss = setup
    visit = _signed_visit(setup)
    answers = _answers(questions, level=3)
    with pytest.raises(ValidationErrors, match=fragment):
        visits.save_visit(
            _input(setup, answers=answers),
            final=True,
            visit_id=visit.id,
            override=SupervisorOverride(name, reason),
        )
    assert AuditLog.select().count() == 0
    assert Answer.get((Answer.visit == visit.id) & (Answer.question == questions[0].id)).value == 4


def test_resigning_needs_the_supervisor(setup):
    visit = _signed_visit(setup)
    with pytest.raises(LockedVisitError, match="更换签字"):
        visits.save_visit(
            _input(setup), final=True, visit_id=visit.id, signature=SignatureInput(tiny_png(90))
        )
    visits.save_visit(
        _input(setup),
        final=True,
        visit_id=visit.id,
        signature=SignatureInput(tiny_png(90)),
        override=SupervisorOverride("赵主管", "客户要求重新签字"),
    )
    assert signatures.signature_of(visit.id).sha256 == signatures.sha256_hex(tiny_png(90))
    assert [row.action for row in AuditLog.select()] == ["更换签字"]


def test_paper_signed_locks_too_and_unlocking_is_audited(setup):
    *_, questions, _boss = setup
    visit = visits.save_visit(_input(setup, sign_status="纸质已签"), final=True)
    with pytest.raises(LockedVisitError):
        visits.save_visit(_input(setup, sign_status="未签"), final=True, visit_id=visit.id)
    visits.save_visit(
        _input(setup, sign_status="未签"),
        final=True,
        visit_id=visit.id,
        override=SupervisorOverride("赵主管", "选错了签字状态"),
    )
    assert Visit.get_by_id(visit.id).sign_status == "未签"
    assert AuditLog.get().changes == [{"field": "签字状态", "old": "纸质已签", "new": "未签"}]


def test_electronic_status_needs_a_signature(setup):
    with pytest.raises(ValidationErrors, match="还没有电子签名"):
        visits.save_visit(_input(setup, sign_status="电子签名"), final=True)
    assert Visit.select().count() == 0


def test_a_bad_image_is_refused(setup):
    with pytest.raises(ValidationErrors, match="不是 PNG"):
        visits.save_visit(_input(setup), final=True, signature=SignatureInput(b"GIF89a...."))
    assert Visit.select().count() == 0 and VisitSignature.select().count() == 0


def test_removing_a_signature_needs_a_supervisor_and_unlocks(setup):
    visit = _signed_visit(setup)
    with pytest.raises(ValidationErrors):
        signatures.remove_signature(visit.id, SupervisorOverride("钱员工", "签错人"))
    before = Visit.get_by_id(visit.id).row_version
    status = signatures.remove_signature(visit.id, SupervisorOverride("赵主管", "签字人不是客户"))
    assert status == "未签" and Visit.get_by_id(visit.id).sign_status == "未签"
    assert Visit.get_by_id(visit.id).row_version == before + 1  # a copy showing it signed is stale
    assert VisitSignature.select().count() == 0
    assert AuditLog.get().action == "删除电子签名"


def test_a_signed_draft_cannot_be_deleted(setup):
    visit = visits.save_visit(_input(setup), final=False, signature=SignatureInput(tiny_png()))
    assert visit.status == "草稿" and Visit.get_by_id(visit.id).sign_status == "电子签名"
    with pytest.raises(UserError, match="签字"):
        visits.delete_draft(visit.id)


def test_sign_status_reaches_the_head_office_workbook(setup, tmp_path):
    from openpyxl import load_workbook

    from desktop.services.summaries.workbook.export import export_workbook

    _signed_visit(setup)
    visits.save_visit(_input(setup, sign_status="纸质已签", visit_date=date(2024, 10, 10)), final=True)
    visits.save_visit(_input(setup, visit_date=date(2024, 10, 11)), final=True)
    out = tmp_path / "总部.xlsx"
    export_workbook(out, "2024-10")
    sheet = load_workbook(out, read_only=True)["回访记录"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header_row = next(i for i, r in enumerate(rows) if "签字状态" in r)
    column = rows[header_row].index("签字状态")
    statuses = [r[column] for r in rows[header_row + 1 :] if r[column]]
    assert sorted(statuses) == sorted(["电子签名", "纸质已签", "未签"])
