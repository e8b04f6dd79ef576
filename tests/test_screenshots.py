"""`huifang screenshots` writes the file names head office scripts and the README rely on."""

from PySide6.QtGui import QColor, QImage

from desktop.cli import main

REQUIRED = {
    "dashboard.png",
    "customers.png",
    "visit_form.png",
    "visits.png",
    "templates.png",
    "tasks.png",
    "sampling.png",
    "import.png",
    "analysis.png",
    "improvement_plan.png",
    "kpi_scorecard.png",
    "form_filled.png",
    "form_blank.png",
    "print_preview.png",
    "counter.png",  # the customer's counter screen (柜台自助)
}


def test_screenshots_names_and_pictures(tmp_path, capsys):
    out = tmp_path / "shots"
    assert main(["screenshots", "--out", str(out)]) == 0
    names = {p.name for p in out.glob("*.png")}
    assert names >= REQUIRED, REQUIRED - names
    for name in ("dashboard.png", "visit_form.png", "form_filled.png"):
        image = QImage(str(out / name))
        assert not image.isNull() and image.width() > 800
    # the real print preview dialog with page 1 of a filled form: a white page with ink on grey
    preview = QImage(str(out / "print_preview.png"))
    assert not preview.isNull() and preview.width() >= 600
    colours = {
        preview.pixel(x, y) for x in range(0, preview.width(), 7) for y in range(0, preview.height(), 7)
    }
    assert len(colours) > 20  # not one flat colour
    dark = sum(
        1
        for x in range(0, preview.width(), 3)
        for y in range(0, preview.height(), 3)
        if QColor(preview.pixel(x, y)).lightness() < 90
    )
    assert dark > 300  # the form's text and grid lines were painted
