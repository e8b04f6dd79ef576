"""扫描录入: scanned paper 回访表 read into visits, and the 待核对 queue."""
