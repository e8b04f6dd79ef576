"""At start (and after 切换用户): offer back the 回访表 that a killed program or a power cut left
unsaved (恢复 / 丢弃). The automatic draft itself is written by the form (desktop.services.autosave)."""

import logging

import peewee as pw
from PySide6.QtWidgets import QMessageBox

from desktop.services import accounts
from desktop.services import autosave as autosave_svc

log = logging.getLogger(__name__)


def offer_recovery(window) -> bool:
    """Ask 恢复 / 丢弃 when this PC's signed-in account left an automatic draft; 恢复 opens it on
    the 回访表 page of ``window`` (a MainWindow). True when it was restored."""
    if not accounts.can(accounts.CALL):
        return False
    try:
        recovery = autosave_svc.pending()
    except pw.PeeweeException:
        log.exception("无法读取回访表自动草稿")
        return False
    if recovery is None:
        return False
    box = QMessageBox(QMessageBox.Question, "恢复未保存的回访表", recovery.question(), parent=window)
    restore = box.addButton("恢复", QMessageBox.AcceptRole)
    drop = box.addButton("丢弃", QMessageBox.DestructiveRole)
    box.setDefaultButton(restore)
    box.setEscapeButton(restore)  # Esc never deletes typed work
    box.exec()
    if box.clickedButton() is drop:
        autosave_svc.clear()
        return False
    form = window.show_page("visit_form")
    if form is None:
        return False
    form.restore(recovery)
    return True
