"""总部工作簿: the branch's Excel workbook for head office, and consolidating several branches'."""
