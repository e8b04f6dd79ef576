"""Chart canvases: matplotlib figures embedded as Qt widgets, with Chinese text.

matplotlib is imported only when the first canvas is made (it costs ~0.4 s and ~60 MB at start),
and never through pyplot. The bundled WenQuanYi Micro Hei font is registered with matplotlib once,
so category names and axis titles render as Chinese instead of empty boxes on any machine.
"""

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from desktop.paths import resource_path

FONT_FILE = ("fonts", "wqy-microhei.ttc")
# Colours shared by the charts (bars, the cumulative line, reference lines, text).
BAR = "#4C78A8"
LINE = "#E45756"
REFERENCE = "#9A9A9A"
TEXT = "#333333"

_font_family: str | None = None


def setup_fonts() -> str:
    """Register the bundled CJK font with matplotlib (once) and make it the first sans-serif
    choice; returns its family name."""
    global _font_family
    if _font_family is not None:
        return _font_family
    from matplotlib import font_manager, rcParams

    path = str(resource_path(*FONT_FILE))
    font_manager.fontManager.addfont(path)
    family = font_manager.FontProperties(fname=path).get_name()
    rest = [f for f in rcParams["font.sans-serif"] if f != family]
    rcParams["font.family"] = "sans-serif"
    rcParams["font.sans-serif"] = [family, "Microsoft YaHei", "PingFang SC", *rest]
    rcParams["axes.unicode_minus"] = False  # the ASCII minus: some CJK fonts lack U+2212
    _font_family = family
    return family


def make_canvas(width: float = 6.0, height: float = 3.5, dpi: int = 100):
    """A ``(canvas, figure)`` pair: ``canvas`` is a QWidget (FigureCanvasQTAgg) showing ``figure``.
    ``width`` and ``height`` are the figure's starting size in inches (× ``dpi`` pixels); the
    canvas resizes with its layout. Draw on ``figure`` and call ``canvas.draw_idle()``."""
    setup_fonts()
    from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=dpi, layout="constrained")
    figure.patch.set_facecolor("white")
    canvas = FigureCanvasQTAgg(figure)
    canvas.setMinimumSize(int(width * dpi * 0.5), int(height * dpi * 0.5))
    return canvas, figure


def preload() -> None:
    """Import matplotlib's Qt canvas and register the chart font, without making a canvas: a
    page runs this in a worker thread (``views.tasks``), so the ~0.5 s import does not block the
    GUI thread, which then only makes the canvases."""
    setup_fonts()
    from matplotlib.backends import backend_qtagg  # noqa: F401
    from matplotlib.figure import Figure  # noqa: F401


class ChartSlot(QWidget):
    """Where a page's chart goes: "正在计算…" until ``load()`` has imported matplotlib in the
    background (``views.tasks``), then the canvas (``ready`` is emitted). ``drawn`` is true once
    the canvas has rendered what was drawn on it after ``changed()``."""

    ready = Signal()

    def __init__(self, width: float, height: float, parent=None):
        super().__init__(parent)
        self._size = (width, height)
        self.canvas = self.figure = None
        self.drawn = False
        self._job = None
        self.placeholder = QLabel("正在计算…")
        self.placeholder.setAlignment(Qt.AlignCenter)
        self.placeholder.setStyleSheet("color: #667085;")
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.addWidget(self.placeholder)

    def load(self) -> None:
        if self.canvas is not None or self._job is not None:
            return
        from .operations import start_in_background

        self._job = start_in_background(lambda _report: preload(), lambda _none: self.build(), owner=self)

    def build(self) -> None:
        if self.canvas is not None:
            return
        self.canvas, self.figure = make_canvas(*self._size)
        self.canvas.mpl_connect("draw_event", self._on_draw)
        self._layout.removeWidget(self.placeholder)
        self.placeholder.deleteLater()
        self._layout.addWidget(self.canvas)
        self.ready.emit()

    def changed(self) -> None:
        """The figure was drawn on anew: render it (``drawn`` turns true when done)."""
        self.drawn = False
        self.canvas.draw_idle()

    def _on_draw(self, _event) -> None:
        self.drawn = True
