"""调查报告 page and the head-office workbook export dialog."""
