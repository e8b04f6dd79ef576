"""Qt's own words are Chinese: message-box buttons, the right-click menu of a text field and the
print preview's toolbar (issue 11 item 4). The tests' QApplication is built by
``desktop.app.create_qapp`` (tests/conftest.py), as the app's is."""

from PySide6.QtCore import QLocale, QTimer
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox, QToolBar


def _answer_modal(qtbot, seen: dict, pick):
    """From a timer: record the open modal box's button texts and click the one ``pick`` names."""

    def answer():
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(20, answer)
            return
        seen["buttons"] = [b.text() for b in box.buttons()]
        box.button(pick).click()

    QTimer.singleShot(0, answer)


def test_message_box_question_says_shi_and_fou(qtbot):
    seen: dict = {}
    _answer_modal(qtbot, seen, QMessageBox.No)
    answer = QMessageBox.question(None, "请确认", "删除这条记录吗？")
    assert answer == QMessageBox.No
    texts = sorted(t.replace("&", "") for t in seen["buttons"])
    assert texts == sorted(["是(Y)", "否(N)"]), seen
    assert not any("Yes" in t or "No" in t for t in seen["buttons"])


def test_ok_and_cancel_buttons_are_chinese(qtbot):
    box = QMessageBox(QMessageBox.Information, "提示", "已保存。", QMessageBox.Ok | QMessageBox.Cancel)
    qtbot.addWidget(box)
    assert box.button(QMessageBox.Ok).text().replace("&", "") == "确定"
    assert box.button(QMessageBox.Cancel).text().replace("&", "") == "取消"


def test_text_field_context_menu_is_chinese(qtbot):
    field = QLineEdit("王瑞")
    qtbot.addWidget(field)
    menu = field.createStandardContextMenu()
    texts = [a.text().split("\t")[0].replace("&", "") for a in menu.actions() if a.text()]
    for word in ("撤消(U)", "复制(C)", "粘贴(P)", "全选"):
        assert any(t.startswith(word.split("(")[0]) for t in texts), (word, texts)
    assert not any(t.startswith(("Undo", "Copy", "Paste")) for t in texts), texts
    menu.deleteLater()


def test_print_preview_toolbar_is_chinese(qtbot):
    printer = QPrinter()
    dialog = QPrintPreviewDialog(printer)
    qtbot.addWidget(dialog)
    tips = [a.toolTip() for bar in dialog.findChildren(QToolBar) for a in bar.actions() if a.toolTip()]
    assert {"下一页", "上一页", "放大", "缩小", "打印"} <= set(tips), tips
    assert not any(t in ("Next page", "Print", "Zoom in") for t in tips)


def test_default_locale_is_simplified_chinese(qapp):
    assert QLocale().name() == "zh_CN"


def test_translator_is_kept_alive(qapp):
    """The translation must outlive create_qapp (a garbage-collected QTranslator goes silent)."""
    import gc

    gc.collect()
    assert QApplication.translate("QPlatformTheme", "Cancel") == "取消"
