"""Reading scanned 回访表 back: the page layout shared with the printer, the mark reader, and
``huifang scan`` (see ``scan.scan_files``)."""
