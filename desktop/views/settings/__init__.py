"""设置 page and its panels: accounts, staff, categories, audit log, backups."""
