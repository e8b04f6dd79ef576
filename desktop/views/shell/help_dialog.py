"""帮助 → 使用指南 (F1): the daily loop in a few lines, with the app's keyboard shortcuts; and
帮助 → 下载导入模板…, which saves the import template workbook (services.import_template)."""

from pathlib import Path

from PySide6.QtCore import QStandardPaths, Qt
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFileDialog, QTextBrowser, QWidget

from desktop.services.common.errors import UserError

from ..common.widgets import MARGIN, show_error, vbox

GUIDE_TITLE = "使用指南"

# The daily loop: (step, where, what to do).
STEPS = (
    ("导入客户和工单", "导入数据", "把客户名单和服务工单从 Excel 导入（帮助 → 下载导入模板… 有现成的表头和示例）。"
     "新工单会按规则自动生成回访任务（服务完成后3～5个工作日、投诉关闭后24小时内等）。"),
    ("抽样计划", "抽样计划", "每个周期按比例抽取回访对象（默认 VIP 30%＋投诉 20%＋普通客户 50%，不少于服务客户的10%），"
     "生成回访任务。"),
    ("回访任务", "回访任务", "按“今日 / 逾期 / 即将到期”处理任务，分配给回访员；打不通、改约、拒访都在这里记录。"
     "建议在 10:00–11:30 和 15:00–17:30 拨打。"),
    ("回访表", "回访表", "电话回访时照着话术提问，逐题填写并保存。纸质回访：打印空白表给客户填写签字，"
     "回来后用扫码枪扫表上的二维码，直接打开这张表录入。"),
    ("扫描录入", "扫描录入", "一叠填好的纸质回访表：用扫描仪扫成 PDF 或图片，拖到本页（或让本页监视扫描仪的文件夹），"
     "每题都读得准的表自动录入并附上扫描件；拿不准的题在“待核对”里对着扫描件逐题按一个键确认。"),
    ("问题分析", "问题分析", "按问题分类统计负面反馈的次数（帕累托图），结合客户情绪找出最该解决的前三个问题；工作台上有各维度满意率和 NPS。"),
    ("改进方案", "改进方案", "为每个主要问题定改进措施、责任部门、责任人、完成时限和验收标准，每周跟进；"
     "措施完成后对相关客户做二次回访验证，通过后闭环。"),
    ("质量评价", "质量评价", "按周期给服务团队打分（权重×实际值/目标值），得出等级；低于权重80%的指标需要分析原因。"),
    ("导出总部工作簿", "文件菜单", "文件 → 导出总部工作簿…：回访记录、各维度统计、改进方案表和质量评价表汇总在一个 Excel 里报送总部。"),
)  # fmt: skip

TIPS = (
    "每页的列表都可以搜索：姓名、电话、编号，或姓名的拼音首字母（如 hsy 找到 黄思远）。",
    "只读账号只能查看，电话号码只显示部分数字，按完整号码才能搜到。",
    "数据每天自动备份；文件 → 备份数据库… 可以随时手动备份。",
)


def shortcuts_of(window: QWidget) -> list[tuple[str, str]]:
    """(what, keys) for every menu entry and shortcut of ``window`` that has keys, in menu order."""
    seen: set[str] = set()
    out: list[tuple[str, str]] = []
    items = [(a.text(), a.shortcuts()) for a in window.findChildren(QAction)]
    items += [(s.whatsThis() or s.objectName(), [s.key()]) for s in window.findChildren(QShortcut)]
    for text, keys in items:
        keys = [k for k in keys if not k.isEmpty()]
        name = text.split("(&")[0].replace("&", "").rstrip("…").strip()
        if not keys or not name:
            continue
        shown = " / ".join(k.toString(QKeySequence.NativeText) for k in keys)
        if shown in seen:
            continue
        seen.add(shown)
        out.append((name, shown))
    return out


def guide_html(shortcuts: list[tuple[str, str]]) -> str:
    rows = "".join(
        f"<tr><td valign='top' style='padding:3px 8px 3px 0'><b>{i}. {step}</b></td>"
        f"<td style='padding:3px 0'>{what}<br><span style='color:#777'>在：{where}</span></td></tr>"
        for i, (step, where, what) in enumerate(STEPS, start=1)
    )
    keys = "".join(
        f"<tr><td style='padding:2px 16px 2px 0'><code>{keys}</code></td><td>{what}</td></tr>"
        for what, keys in shortcuts
    )
    tips = "".join(f"<li>{tip}</li>" for tip in TIPS)
    return (
        "<h3>每天的工作流程</h3>"
        "<p>回访通把售后回访做成一个闭环：计划 → 抽样 → 回访 → 评分 → 找问题 → 改进 → 验证 → 评价。</p>"
        f"<table>{rows}</table>"
        "<h3>快捷键</h3>"
        f"<table>{keys}</table>"
        "<p>扫码枪：按 Ctrl+L（或点窗口上方的“扫码录入”框）后扫描纸质回访表上的二维码，"
        "即可打开对应的回访任务或回访记录。</p>"
        f"<h3>小提示</h3><ul>{tips}</ul>"
    )


class GuideDialog(QDialog):
    """The built-in guide; ``shortcuts`` come from the main window, so the list stays true."""

    def __init__(self, shortcuts: list[tuple[str, str]], parent=None):
        super().__init__(parent)
        self.setWindowTitle(f"{GUIDE_TITLE} — 回访通")
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(False)
        self.browser.setHtml(guide_html(shortcuts))
        buttons = QDialogButtonBox(QDialogButtonBox.Close)
        buttons.rejected.connect(self.reject)
        buttons.button(QDialogButtonBox.Close).setText("关闭")
        self.setLayout(vbox(self.browser, buttons, margin=MARGIN))
        self.resize(760, 600)


def show_guide(window: QWidget) -> GuideDialog:
    """Open the guide (not modal: it can stay open beside the work)."""
    dialog = GuideDialog(shortcuts_of(window), window)
    dialog.setAttribute(Qt.WA_DeleteOnClose)
    dialog.show()
    return dialog


def save_import_template(parent: QWidget) -> Path | None:
    """Ask where to save the import template workbook and write it; the path or None."""
    from desktop.services.intake.import_template import DEFAULT_NAME, write_import_template

    folder = QStandardPaths.writableLocation(QStandardPaths.DocumentsLocation) or str(Path.home())
    chosen, _ = QFileDialog.getSaveFileName(
        parent, "下载导入模板", str(Path(folder) / DEFAULT_NAME), "Excel 工作簿 (*.xlsx)"
    )
    if not chosen:
        return None
    try:
        return write_import_template(chosen)
    except UserError as err:
        show_error(parent, str(err), "无法保存导入模板")
        return None
