"""The pages of a scanned file as greyscale numpy arrays (0 black … 255 white), no Qt.

Images (PNG, JPEG, TIFF — every frame of a multi-page TIFF — BMP) are read with Pillow; PDFs are
rendered with pypdfium2 (PDFium, the renderer of Chrome: every scanner's PDF reads, a page
renders in tens of milliseconds, and its wheel is a few MB — Qt's own QtPdf is not in
PySide6-Essentials and would bring the whole Addons package). A page whose file is a single image
is attached as that file; a PDF page or a TIFF frame is attached as a PNG of the page.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..common.errors import UserError

PDF_DPI = 200  # PDF pages are rendered at this resolution for reading
IMAGE_EXTS = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp")


@dataclass
class ScannedPage:
    file: Path
    index: int  # 1-based page (or frame) in the file
    gray: np.ndarray | None  # dropped by ``keep`` once the page is read
    single: bool  # the file is this one page: attach the file itself
    kept: Path | None = None

    def keep(self, folder: Path) -> Path:
        """Keep this page's image as a file for the visit's attachments (the scanned file itself,
        or a PNG of the page written into ``folder``) and let go of the pixels: a stack of pages
        is read one page at a time."""
        if self.kept is None:
            if self.single:
                self.kept = self.file
            else:
                from PIL import Image

                self.kept = folder / f"{self.file.stem}-第{self.index}页.png"
                Image.fromarray(np.clip(self.gray, 0, 255).astype(np.uint8)).save(self.kept)
        self.gray = None
        return self.kept


def _pdf_pages(path: Path) -> Iterator[np.ndarray]:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(str(path))
    except pdfium.PdfiumError as err:
        raise UserError(f"无法打开 PDF {path.name}：{err}。请确认文件完整，或重新扫描。") from None
    try:
        for page in document:
            bitmap = page.render(scale=PDF_DPI / 72, grayscale=True)
            array = bitmap.to_numpy()
            yield (array if array.ndim == 2 else array[..., :3].mean(2)).astype(np.float32)
    finally:
        document.close()


def _image_frames(path: Path) -> Iterator[np.ndarray]:
    from PIL import Image, ImageSequence

    with Image.open(path) as image:
        for frame in ImageSequence.Iterator(image):
            yield np.asarray(frame.convert("L"), dtype=np.float32)


def _frame_count(path: Path) -> int:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            return getattr(image, "n_frames", 1)
    except (UnidentifiedImageError, OSError) as err:
        raise UserError(f"无法读取图像 {path.name}：{err}。请确认是 PNG、JPEG 或 TIFF 扫描件。") from None


def iter_pages(path: str | Path) -> Iterator[ScannedPage]:
    """The pages of ``path`` (a PDF or an image file), one at a time; a Chinese UserError when
    it cannot be read."""
    file = Path(path).expanduser()
    if not file.is_file():
        raise UserError(f"找不到扫描件 {file}，请检查文件名。")
    ext = file.suffix.lower()
    if ext == ".pdf":
        arrays, single = _pdf_pages(file), False
    elif ext in IMAGE_EXTS:
        single = _frame_count(file) == 1
        arrays = _image_frames(file)
    else:
        raise UserError(f"不支持“{file.name}”的文件类型。请给出 PDF、PNG、JPEG 或 TIFF 扫描件。")
    for index, gray in enumerate(arrays, start=1):
        yield ScannedPage(file, index, gray, single)


def load_pages(path: str | Path) -> list[ScannedPage]:
    """Every page of ``path`` at once (see ``iter_pages``)."""
    return list(iter_pages(path))
