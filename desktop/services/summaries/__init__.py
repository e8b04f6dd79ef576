"""Figures put together for one reader: the 工作台, the 日报, the period report and the head-office workbook."""
