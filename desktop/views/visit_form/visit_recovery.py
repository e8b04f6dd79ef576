"""At start (and after 切换用户): offer back the 回访表 that a killed program or a power cut left
unsaved (恢复 / 丢弃). The automatic draft itself is written by the form (desktop.services.visits.autosave)."""

import logging

import peewee as pw
from PySide6.QtWidgets import QMessageBox

from desktop.services.admin import accounts
from desktop.services.visits import autosave as autosave_svc
from desktop.services.visits import signatures as sign_svc

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


class DraftKeeping:
    """The automatic draft of the 回访表 (mixed into VisitFormView): written by ``autosaver`` a
    few seconds after a change and when the program or the page loses focus, cleared by a save
    or 放弃, shown again by ``restore``."""

    def _write_autosave(self) -> None:
        if not self.may_call or self.customer_id is None:
            return
        try:
            autosave_svc.write(
                self.collect(), {"paper": self.paper_check.isChecked(), "call_ok": self._call_ok}
            )
        except (pw.PeeweeException, OSError):  # never in the way of typing; the next change retries
            log.exception("回访表自动草稿未能写入")
            return
        self._autosaved = True

    def _clear_autosave(self) -> None:
        self.autosaver.stop()
        if self._autosaved:
            try:
                autosave_svc.clear()
            except (pw.PeeweeException, OSError):
                log.exception("回访表自动草稿未能删除")
            self._autosaved = False

    def hideEvent(self, event) -> None:  # noqa: N802
        self.autosaver.flush()  # another page is shown: keep what was typed
        super().hideEvent(event)

    def restore(self, recovery: autosave_svc.Recovery) -> None:
        """Show the automatic draft left by a killed program: every field as it was typed, still
        unsaved (it is kept until saved or discarded)."""
        data, state = recovery.data, recovery.state
        with self._filling():
            self.paper_check.setChecked(bool(state.get("paper")))
            self.visit_id, self.status = data.visit_id, data.status or ""
            self.row_version = data.row_version  # the version it was loaded at: a stale copy is caught
            self.customer_id, self.order_id, self.task_id = data.customer_id, data.order_id, data.task_id
            self._call_ok = bool(state.get("call_ok")) or data.visit_id is not None
            self.template_combo.fill()
            self._set_template(data.template_id, visit_id=data.visit_id)
            self.header.set_customer(data.customer_id, data.order_id)
            self.picker.show_current()
            stored = sign_svc.sign_status_of(data.visit_id)
            self._set_paper_state(data.visit_id, stored or sign_svc.UNSIGNED)
            self.header.set_values(data)
            self.answers_box.set_values(data)
            self.footer.set_values(data)
            self._set_script()
            self.script.attempt_ids = list(data.attempt_ids)
        self._autosaved = True
        self._dirty = True
        self._update_state()
        self.scroll.verticalScrollBar().setValue(0)
