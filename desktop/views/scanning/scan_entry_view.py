"""扫描录入: scanned paper 回访表 in — dropped, picked, or picked up from a watched scanner folder —
read off the GUI thread with a progress bar and 取消, one result row per page; the pages the
reader could not decide wait in 待核对 (``review_panel``).

The reading is ``desktop.services.paper_scan.scan.scan_files`` (as ``huifang scan``); a file read
before — in this session, remembered from earlier ones, or archived as a visit's scan — is not
read again (``review.unread``, by content hash)."""

from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QSettings, Qt, QTimer
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.services.common.errors import UserError
from desktop.services.paper_scan import review, scan

from ..common.context import AppContext
from ..common.operations import start_in_background
from ..common.widgets import hbox, heading, show_error
from .review_panel import ReviewPanel

FILE_FILTER = "扫描件 (*.pdf *.png *.jpg *.jpeg *.tif *.tiff *.bmp)"
COLUMNS = ("文件", "页", "客户 / 任务", "状态", "说明")
STATUS_COLOURS = {scan.SAVED: "#107c10", scan.NEEDS_REVIEW: "#b4690e", scan.UNKNOWN_FORM: "#a4262c"}
SEEN_KEY = "scan_entry/seen"  # the content hashes read before (the newest SEEN_KEEP)
SEEN_KEEP = 2000
WATCH_KEY = "scan_entry/folder"
WATCHING_KEY = "scan_entry/watching"  # watching is resumed when the page is opened again
SETTLE_MS = 1500  # a file is read once its size has stayed the same this long (a scanner writing)
POLL_MS = 5000  # the watched folder is also looked at this often (network folders send no news)
DROP_TEXT = "把扫描件（PDF、PNG、JPEG、TIFF）或整个文件夹拖到这里，或点“添加扫描件…”"


def layout_of(doc):
    """The printer's layout of a form (imported on first use: it loads the print machinery)."""
    from ..printing.visit_form_print import form_layout

    return form_layout(doc)


def why(result: scan.PageResult) -> str:
    """The 说明 column: the reader's reason, or the questions to confirm."""
    parts = []
    if result.uncertain:
        parts.append("待核对题号 " + "、".join(map(str, result.uncertain)))
    if result.message:
        parts.append(result.message)
    if result.status == scan.SAVED:
        parts.append(f"回访记录 #{result.visit}，纸质已签")
    return "；".join(parts)


class ScanEntryView(QWidget):
    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.loading = False
        self.job = None
        self.pending: list[Path] = []  # files waiting for the running job
        self._note = ""  # files skipped when added: said again with the results
        self.seen: set[str] = set(QSettings().value(SEEN_KEY, []) or [])
        self._sizes: dict[Path, tuple[int, float]] = {}  # watched files: size and time last seen
        self._handed: set[tuple[Path, int, float]] = set()  # … and those queued (a changed one is new)
        self.setAcceptDrops(True)

        self.add_button = QPushButton("添加扫描件…")
        self.add_button.clicked.connect(self.pick_files)
        self.folder_button = QPushButton("添加文件夹…")
        self.folder_button.clicked.connect(self.pick_folder)
        self.watch_box = QCheckBox("监视扫描仪文件夹")
        self.watch_box.setToolTip("扫描仪把新扫描件存进这个文件夹时自动读取；读过的文件不会再读")
        self.watch_box.toggled.connect(self._on_watch_toggled)
        self.watch_label = QLabel()
        self.watch_label.setObjectName("watchFolder")
        self.watch_label.setStyleSheet("color: #5f6b7a;")
        self.watch_pick = QPushButton("选择…")
        self.watch_pick.clicked.connect(self.pick_watch_folder)
        self.drop_hint = QLabel(DROP_TEXT)
        self.drop_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.drop_hint.setStyleSheet(
            "QLabel { border: 2px dashed #b8c2cc; border-radius: 6px; color: #5f6b7a; padding: 10px; }"
        )
        self.progress = QProgressBar()
        self.progress.setFormat("%v / %m 个文件")
        self.progress_label = QLabel()
        self.progress_label.setObjectName("progressLabel")
        self.cancel_button = QPushButton("取消")
        self.cancel_button.clicked.connect(self.cancel)
        self.summary = QLabel()
        self.summary.setObjectName("scanSummary")
        self.summary.setWordWrap(True)

        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setObjectName("scanResults")
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        for column, mode in enumerate(
            (QHeaderView.Interactive, QHeaderView.ResizeToContents, QHeaderView.Interactive,
             QHeaderView.ResizeToContents, QHeaderView.Stretch)
        ):  # fmt: skip
            header.setSectionResizeMode(column, mode)
        self.table.setColumnWidth(0, 220)
        self.table.setColumnWidth(2, 180)
        self.table.cellDoubleClicked.connect(self._open_row)

        self.review = ReviewPanel(ctx, layout_of)
        self.review.count_changed.connect(self._on_review_count)
        self.review.saved.connect(lambda _vid: ctx.events.visits_changed.emit())
        results = QWidget()
        results_layout = QVBoxLayout(results)
        results_layout.setContentsMargins(0, 6, 0, 0)
        for widget in (self.drop_hint, self.summary, self.table):
            results_layout.addWidget(widget)
        self.tabs = QTabWidget()
        self.tabs.addTab(results, "识别结果")
        self.tabs.addTab(self.review, "待核对")
        self.tabs.currentChanged.connect(
            lambda _i: self.review.setFocus() if self.tabs.currentWidget() is self.review else None
        )

        self.watcher = QFileSystemWatcher(self)
        self.watcher.directoryChanged.connect(lambda _path: self._settle.start())
        self._settle = QTimer(self, singleShot=True, interval=SETTLE_MS)
        self._settle.timeout.connect(self.look_at_folder)
        self._poll = QTimer(self, interval=POLL_MS)
        self._poll.timeout.connect(self.look_at_folder)
        self._cancelling = QTimer(self, interval=100)  # a cancelled job ends at its next page
        self._cancelling.timeout.connect(self._after_cancel)

        layout = QVBoxLayout(self)
        layout.addLayout(
            hbox(
                heading("扫描录入"),
                self.add_button,
                self.folder_button,
                None,
                self.watch_box,
                self.watch_label,
                self.watch_pick,
            )
        )
        layout.addLayout(hbox(self.progress, self.progress_label, self.cancel_button))
        layout.addWidget(self.tabs, 1)
        self._set_busy(False)
        self.say("")
        folder = QSettings().value(WATCH_KEY, "") or ""
        self._show_watch_folder(folder)
        if QSettings().value(WATCHING_KEY, False, type=bool):
            if Path(folder).is_dir():
                self.watch_box.setChecked(True)
            else:
                self.say(f"上次监视的文件夹 {folder} 现在找不到，请点“选择…”重新选择。")

    def on_shown(self) -> None:
        self.review.reload()

    def may_leave(self) -> bool:
        """A page confirmed halfway in 待核对 asks first (the rest is saved page by page)."""
        return self.review.may_leave()

    # -- adding files
    def pick_files(self) -> None:
        paths, _filter = QFileDialog.getOpenFileNames(self, "选择扫描的回访表", "", FILE_FILTER)
        self.add_paths(paths)

    def pick_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "选择存放扫描件的文件夹")
        if folder:
            self.add_paths([folder])

    def add_paths(self, paths) -> None:
        """Read these files (a folder: the scans in it), after any reading already running."""
        files: list[Path] = []
        try:
            for path in map(Path, paths):
                files.extend(review.scan_files_in(path) if path.is_dir() else [path])
        except UserError as err:
            show_error(self, str(err), "添加扫描件")
            return
        others = [f.name for f in files if f.suffix.lower() not in review.SCAN_EXTS]
        if others:  # a document dropped along with the scans: said, the scans still read
            shown = "、".join(others[:5]) + ("等" if len(others) > 5 else "")
            self._note = (
                f"已跳过 {len(others)} 个不是扫描件的文件（{shown}）：只读 PDF、PNG、JPEG、TIFF、BMP。"
            )
            self.say(self._note)
        self.pending.extend(
            f for f in files if f.suffix.lower() in review.SCAN_EXTS and f not in self.pending
        )
        self._next()

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if event.mimeData().hasUrls() and any(url.isLocalFile() for url in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt API)
        paths = [url.toLocalFile() for url in event.mimeData().urls() if url.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.add_paths(paths)

    # -- the reading job
    def _next(self) -> None:
        if self.job is not None or not self.pending:
            return
        files, self.pending = self.pending, []
        seen = set(self.seen)

        def job(report):
            fresh = review.unread(files, seen)
            results = scan.scan_files([f for f, _ in fresh], layout_of, report=report) if fresh else []
            return results, [sha for _, sha in fresh], len(files) - len(fresh)

        self._set_busy(True)
        self.progress.setRange(0, 0)
        self.progress_label.setText(f"正在读取 {len(files)} 个文件…")
        self.job = start_in_background(
            job, self._done, self._failed, owner=self, on_progress=self._on_progress
        )

    def _on_progress(self, done: int, total: int, text: str) -> None:
        self.progress.setRange(0, max(total, 1))
        self.progress.setValue(done)
        self.progress_label.setText(text)

    def _done(self, outcome) -> None:
        results, hashes, skipped = outcome
        self.job = None
        self._remember(hashes)
        self._set_busy(False)
        self._add_results(results)
        counts = {status: sum(r.status == status for r in results) for status in scan.STATUS_TEXT}
        parts = [f"{scan.STATUS_TEXT[s]} {n} 页" for s, n in counts.items() if n]
        if skipped:
            parts.append(f"{skipped} 个文件以前读过，未再读")
        text = "读完：" + ("，".join(parts) if parts else "没有新的扫描件") + "。"
        if counts[scan.NEEDS_REVIEW]:
            text += "有拿不准的题，请到“待核对”逐题确认。"
        self.say(text + self._note)
        self._note = ""
        if counts[scan.SAVED]:
            self.ctx.events.visits_changed.emit()
        self.review.reload()
        self._next()

    def _failed(self, error: BaseException) -> None:
        self.job = None
        self._set_busy(False)
        if not isinstance(error, UserError):
            raise error
        self.say(f"读取中断：{error}")
        show_error(self, str(error), "扫描录入")
        self._next()

    def cancel(self) -> None:
        """取消: the job stops before its next page; nothing is written (pages are all read before
        any is saved). Files waiting behind it are dropped too."""
        if self.job is None:
            return
        self.job.cancel()
        self.pending.clear()
        self.cancel_button.setEnabled(False)
        self.progress_label.setText("正在取消…")
        self._cancelling.start()

    def _after_cancel(self) -> None:
        if self.job is not None and not self.job.done:
            return
        self._cancelling.stop()
        self.job = None
        self._set_busy(False)
        self.say("已取消，这次没有写入任何回访记录。")

    def say(self, text: str) -> None:
        """The line above the results (hidden while empty)."""
        self.summary.setText(text)
        self.summary.setVisible(bool(text))

    def _set_busy(self, busy: bool) -> None:
        self.loading = False  # the page itself is shown at once (bench: filled)
        for widget in (self.progress, self.progress_label, self.cancel_button):
            widget.setVisible(busy)
        self.cancel_button.setEnabled(busy)

    def _remember(self, hashes: list[str]) -> None:
        if not hashes:
            return
        self.seen.update(hashes)
        kept = list(QSettings().value(SEEN_KEY, []) or []) + hashes
        QSettings().setValue(SEEN_KEY, kept[-SEEN_KEEP:])

    def _add_results(self, results: list[scan.PageResult]) -> None:
        labels = review.task_labels(r.task for r in results if r.task)
        self.drop_hint.setVisible(False)
        for result in results:
            row = self.table.rowCount()
            self.table.insertRow(row)
            cells = (
                Path(result.file).name,
                str(result.page),
                labels.get(result.task, result.code or "无二维码"),
                scan.STATUS_TEXT[result.status],
                why(result),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text if column != 0 else result.file)
                if column == 3 and result.status in STATUS_COLOURS:
                    item.setForeground(QBrush(QColor(STATUS_COLOURS[result.status])))
                item.setData(Qt.ItemDataRole.UserRole, result.visit)
                self.table.setItem(row, column, item)
        self.table.scrollToBottom()

    def _open_row(self, row: int, _column: int) -> None:
        """Double-click: a page waiting in 待核对 opens there, an entered one in its 回访表."""
        visit = self.table.item(row, 0).data(Qt.ItemDataRole.UserRole)
        if visit is None:
            return
        if visit in scan.review_queue():
            self.tabs.setCurrentWidget(self.review)
            self.review.reload(keep=visit)
        else:
            self.ctx.events.open_page.emit("visit_form", {"visit_id": visit})

    def _on_review_count(self, count: int) -> None:
        self.tabs.setTabText(1, f"待核对（{count}）" if count else "待核对")

    # -- a watched folder
    def pick_watch_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "选择扫描仪保存扫描件的文件夹")
        if folder:
            self.watch(folder)

    def watch(self, folder: str | Path) -> None:
        """Watch ``folder``: the scans in it now and every new one are read (once each)."""
        QSettings().setValue(WATCH_KEY, str(folder))
        self._show_watch_folder(str(folder))
        if self.watch_box.isChecked():
            self._on_watch_toggled(True)
        else:
            self.watch_box.setChecked(True)

    def _show_watch_folder(self, folder: str) -> None:
        self.watch_label.setText(folder or "（未选择文件夹）")
        self.watch_label.setToolTip(folder)

    def _on_watch_toggled(self, on: bool) -> None:
        if self.watcher.directories():
            self.watcher.removePaths(self.watcher.directories())
        self._poll.stop()
        self._sizes.clear()
        self._handed.clear()
        folder = QSettings().value(WATCH_KEY, "") or ""
        QSettings().setValue(WATCHING_KEY, on)
        if not on:
            return
        if not folder or not Path(folder).is_dir():
            self.watch_box.setChecked(False)
            if folder:
                show_error(self, f"找不到文件夹 {folder}，请点“选择…”重新选择扫描仪的文件夹。", "监视文件夹")
            else:
                self.pick_watch_folder()
            return
        self.watcher.addPath(folder)
        self._poll.start()
        self.look_at_folder()

    def look_at_folder(self) -> None:
        """Queue the watched folder's scans whose size and time stayed the same since the last
        look (a file the scanner is still writing waits for the next look)."""
        folder = QSettings().value(WATCH_KEY, "") or ""
        if not self.watch_box.isChecked() or not folder:
            return
        try:
            files = review.scan_files_in(folder)
        except UserError as err:
            self.say(str(err))
            return
        ready, settling = [], False
        for file in files:
            try:
                stat = file.stat()
            except OSError:
                continue
            now = (stat.st_size, stat.st_mtime)
            if (file, *now) in self._handed:
                continue
            if self._sizes.get(file) == now:
                ready.append(file)
                self._handed.add((file, *now))
            else:
                self._sizes[file] = now
                settling = True
        if settling:
            self._settle.start()  # look again soon
        if ready:
            self.add_paths(ready)
