"""标准手册 page: the improvement measures kept as standard practice, by problem category, with
their measure and verified effect; previewed, printed and exported as PDF (A4, the shipped
CJK font, so the PDF's text copies and searches)."""

from datetime import date
from html import escape
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import (
    QFileDialog,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from desktop.services.admin import accounts
from desktop.services.admin import settings as app_settings
from desktop.services.common.errors import UserError
from desktop.services.improvement import standards

from ..common.context import AppContext
from ..common.fonts import print_font
from ..common.widgets import MARGIN, confirm, gate, hbox, heading, show_error, show_info, vbox
from ..common.wrap_delegate import WrapDelegate
from ..printing.print_dialogs import print_with_dialog, show_preview
from ..printing.print_layout import write_pdf_file

HEADERS = ["问题", "标准措施", "验证效果", "责任部门", "纳入日期"]


def _day(value) -> str:
    return f"{value:%Y-%m-%d}" if value else ""


def manual_html(sections: list[standards.ManualSection], today: date) -> str:
    """The printed manual: title, company, then one table per category."""
    company = escape(app_settings.get("company_name") or "")
    parts = [
        f"<h2 align='center'>{standards.TITLE}</h2>",
        f"<p align='center'>{company}　编制日期：{today:%Y-%m-%d}</p>",
        f"<p>{escape(standards.RULE)}</p>",
    ]
    if not sections:
        parts.append("<p>手册中还没有措施。</p>")
    for number, section in enumerate(sections, start=1):
        parts.append(f"<h3>{number}. {escape(section.category)}（{len(section.entries)} 项）</h3>")
        rows = "".join(
            "<tr>"
            + "".join(
                f"<td>{escape(text)}</td>"
                for text in (e.problem, e.measure, e.effect, e.department, _day(e.adopted_on))
            )
            + "</tr>"
            for e in section.entries
        )
        head = "".join(f"<th>{h}</th>" for h in HEADERS)
        parts.append(
            "<table border='1' cellspacing='0' cellpadding='4' width='100%'>"
            f"<tr bgcolor='#eeeeee'>{head}</tr>{rows}</table>"
        )
    return "".join(parts)


def render_manual(device, sections=None, today: date | None = None) -> None:
    """Paint the manual on a printer or PDF writer (2 cm margins, paginated by Qt)."""
    doc = QTextDocument()
    doc.setDefaultFont(print_font(10.5))
    doc.setHtml(manual_html(standards.manual() if sections is None else sections, today or date.today()))
    doc.print_(device)


def write_manual_pdf(path: str | Path, today: date | None = None) -> Path:
    sections = standards.manual()
    return write_pdf_file(
        path,
        standards.TITLE,
        lambda writer: render_manual(writer, sections, today),
        example_name="标准手册.pdf",
    )


class StandardsView(QWidget):
    """Page "standards"."""

    def __init__(self, ctx: AppContext, parent=None):
        super().__init__(parent)
        self.ctx = ctx
        self.today_override: date | None = None
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(HEADERS)
        header = self.tree.header()
        header.setStretchLastSection(False)
        for column in range(3):  # 问题, 标准措施, 验证效果 share the width and wrap
            header.setSectionResizeMode(column, QHeaderView.Stretch)
        for column in (3, 4):
            header.setSectionResizeMode(column, QHeaderView.ResizeToContents)
        self.tree.setWordWrap(True)
        self.tree.setItemDelegate(WrapDelegate(self.tree))
        self.summary = QLabel()
        self.preview_button = QPushButton("打印预览")
        self.print_button = QPushButton("打印…")
        self.pdf_button = QPushButton("导出PDF…")
        self.withdraw_button = QPushButton("移出标准手册")
        self.withdraw_button.setToolTip("所选措施不再作为标准（措施本身仍是已闭环）")
        self.may_manage = gate(accounts.MANAGE, self.withdraw_button, what="修改标准手册")
        rule = QLabel(standards.RULE + "在“改进方案”页选中已闭环的措施，点“纳入标准”。")
        rule.setWordWrap(True)
        self.setLayout(
            vbox(
                hbox(heading(standards.TITLE), None),
                rule,
                self.summary,
                self.tree,
                hbox(self.withdraw_button, None, self.preview_button, self.print_button, self.pdf_button),
                margin=MARGIN,
            )
        )
        self.preview_button.clicked.connect(self.preview)
        self.print_button.clicked.connect(self.print_manual)
        self.pdf_button.clicked.connect(self.export_pdf)
        self.withdraw_button.clicked.connect(self.withdraw)
        self.tree.currentItemChanged.connect(lambda *_a: self._update_buttons())

    def today(self) -> date:
        return self.today_override or date.today()

    def on_shown(self) -> None:
        self.refresh()

    def open_with(self, **_ignored) -> None:
        self.refresh()

    def refresh(self) -> None:
        sections = standards.manual()
        self.tree.clear()
        for section in sections:
            top = QTreeWidgetItem([f"{section.category}（{len(section.entries)} 项）"])
            top.setFirstColumnSpanned(True)
            self.tree.addTopLevelItem(top)
            for e in section.entries:
                item = QTreeWidgetItem([e.problem, e.measure, e.effect, e.department, _day(e.adopted_on)])
                item.setData(0, Qt.UserRole, e.action_id)
                for column in range(3):
                    item.setToolTip(column, item.text(column))
                top.addChild(item)
            top.setExpanded(True)
        total = sum(len(s.entries) for s in sections)
        self.summary.setText(
            f"共 {total} 项标准措施，{len(sections)} 个分类" if total else "手册中还没有措施。"
        )
        self._update_buttons()

    def selected_action(self) -> int | None:
        item = self.tree.currentItem()
        return item.data(0, Qt.UserRole) if item is not None else None

    def _update_buttons(self) -> None:
        self.withdraw_button.setEnabled(self.may_manage and self.selected_action() is not None)

    def withdraw(self) -> None:
        action_id = self.selected_action()
        if action_id is None or not confirm(self, "把所选措施移出标准手册吗？", "移出标准手册"):
            return
        try:
            standards.withdraw(action_id)
        except UserError as err:
            show_error(self, str(err))
            return
        self.refresh()

    def _render(self, device) -> None:
        render_manual(device, today=self.today())

    def preview(self) -> None:
        show_preview(self, standards.TITLE, self._render, job_name=f"{standards.TITLE}-{self.today():%Y%m%d}")

    def print_manual(self) -> None:
        print_with_dialog(
            self, standards.TITLE, self._render, job_name=f"{standards.TITLE}-{self.today():%Y%m%d}"
        )

    def export_pdf(self) -> None:
        name = f"{standards.TITLE}_{self.today():%Y%m%d}.pdf"
        path, _filter = QFileDialog.getSaveFileName(self, "导出PDF", name, "PDF 文件 (*.pdf)")
        if not path:
            return
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        try:
            write_manual_pdf(path, self.today())
        except UserError as err:
            show_error(self, str(err), "无法导出PDF")
            return
        show_info(self, f"已导出：{path}", "导出PDF")
