"""Chinese fonts for the screen and for printing/PDF.

The WenQuanYi Micro Hei font ships in ``resources/fonts`` so Chinese renders and PDF text
extracts correctly on any machine; on Windows the screen uses Microsoft YaHei when present.
"""

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from desktop.paths import resource_path

PRINT_FAMILY = "WenQuanYi Micro Hei"
_SCREEN_PREFERENCE = ("Microsoft YaHei", "Microsoft YaHei UI", "PingFang SC", PRINT_FAMILY)
_loaded: list[str] = []


def load_bundled_fonts() -> list[str]:
    """Register the shipped font files once; returns the families they provide."""
    if _loaded:
        return _loaded
    for path in sorted(resource_path("fonts").glob("*.tt[cf]")):
        font_id = QFontDatabase.addApplicationFont(str(path))
        if font_id >= 0:
            _loaded.extend(QFontDatabase.applicationFontFamilies(font_id))
    return _loaded


def setup_app_font(app: QApplication) -> None:
    load_bundled_fonts()
    families = set(QFontDatabase.families())
    for family in _SCREEN_PREFERENCE:
        if family in families:
            font = QFont(family)
            font.setPointSizeF(max(app.font().pointSizeF(), 10))
            app.setFont(font)
            return


def print_font(point_size: float = 10.5, bold: bool = False) -> QFont:
    """The font printed forms use (the shipped one: correct PDF text on every OS)."""
    load_bundled_fonts()
    font = QFont(PRINT_FAMILY)
    font.setPointSizeF(point_size)
    font.setBold(bold)
    return font
