"""What comes in: customers and service orders, the spreadsheet importer and its column mapping, the import template, 问题一次性解决."""
