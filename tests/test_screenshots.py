"""`huifang screenshots` writes the file names head office scripts and the README rely on."""

from PySide6.QtGui import QImage

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
}


def test_screenshots_names_and_pictures(tmp_path, capsys):
    out = tmp_path / "shots"
    assert main(["screenshots", "--out", str(out)]) == 0
    names = {p.name for p in out.glob("*.png")}
    assert names >= REQUIRED, REQUIRED - names
    for name in ("dashboard.png", "visit_form.png", "form_filled.png"):
        image = QImage(str(out / name))
        assert not image.isNull() and image.width() > 800
