"""Who may do what and how the shop is set up: accounts and roles, settings, staff, problem categories, the audit log, next-step hints."""
