"""Widgets shared by every page: tables, charts, fonts, empty states, background operations, unsaved-work guards."""
