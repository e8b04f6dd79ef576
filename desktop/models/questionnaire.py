"""Questionnaire templates (回访问卷模板) and their questions, versioned once used."""

import peewee as pw

from .base import BaseModel, JSONField, VersionedModel, now

# Question kinds and their default option labels (best first).
LEVEL5 = "level5"  # 非常满意 … 非常不满意 → 5 … 1
SCORE10 = "score10"  # 1–10 分
NPS = "nps"  # 0–10 推荐意愿
YESNO = "yesno"  # 是/否 落实度
CHOICE = "choice"  # 单选
TEXT = "text"  # 开放式

KINDS = {
    LEVEL5: "五级满意度",
    SCORE10: "1–10分",
    NPS: "0–10推荐",
    YESNO: "是/否",
    CHOICE: "单选",
    TEXT: "文字",
}
LEVEL5_LABELS = ["非常满意", "满意", "一般", "不满意", "非常不满意"]
YESNO_LABELS = ["是", "否"]


class QuestionnaireTemplate(VersionedModel):
    family = pw.CharField(index=True)  # stable key shared by all versions of one template
    version = pw.IntegerField(default=1)
    name = pw.CharField()
    industry = pw.CharField(default="")
    title = pw.CharField(default="客户满意度回访表")  # printed title
    greeting = pw.TextField(default="")  # 尊敬的客户 … printed under the title
    opening = pw.TextField(default="")  # call script: opening line
    closing = pw.TextField(default="")  # call script: closing line
    builtin = pw.BooleanField(default=False)
    active = pw.BooleanField(default=True)  # the current version of its family
    created_at = pw.DateTimeField(default=now)

    class Meta:
        indexes = ((("family", "version"), True),)

    @property
    def label(self) -> str:
        return f"{self.name}（第{self.version}版）"


class Question(BaseModel):
    template = pw.ForeignKeyField(QuestionnaireTemplate, backref="questions", on_delete="CASCADE")
    position = pw.IntegerField(default=0)
    text = pw.TextField()
    dimension = pw.CharField(default="", index=True)  # 维度: 服务态度, 响应及时性 …
    kind = pw.CharField(default=LEVEL5)
    options = JSONField(null=True)  # per-question option labels, best first
    required = pw.BooleanField(default=True)
    weight = pw.FloatField(default=1.0)
    allow_comment = pw.BooleanField(default=False)  # "提出您的宝贵意见" per question
    retired = pw.BooleanField(default=False)

    class Meta:
        indexes = ((("template", "position"), False),)

    def labels(self) -> list[str]:
        """Option labels for choice-like kinds, best first."""
        if self.options:
            return list(self.options)
        if self.kind == LEVEL5:
            return list(LEVEL5_LABELS)
        if self.kind == YESNO:
            return list(YESNO_LABELS)
        if self.kind == SCORE10:
            return [str(i) for i in range(10, 0, -1)]
        if self.kind == NPS:
            return [str(i) for i in range(10, -1, -1)]
        return []

    # ---- answer encoding: what is stored in Answer.value for each kind ----
    def value_of_option(self, index: int) -> int:
        """Stored value of the option at ``index`` of ``labels()`` (best first)."""
        if self.kind == LEVEL5:
            return 5 - index
        if self.kind == SCORE10:
            return 10 - index
        if self.kind == NPS:
            return 10 - index
        if self.kind == YESNO:
            return 1 if index == 0 else 0
        return index

    def option_of_value(self, value: int | None) -> int | None:
        """Index into ``labels()`` for a stored value (inverse of ``value_of_option``)."""
        if value is None:
            return None
        if self.kind == LEVEL5:
            return 5 - value
        if self.kind in (SCORE10, NPS):
            return 10 - value
        if self.kind == YESNO:
            return 0 if value else 1
        return value
