"""Keeping the database: opening it with its shipped defaults, backups, the integrity check and restoring."""
