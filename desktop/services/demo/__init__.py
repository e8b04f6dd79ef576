"""The demo database: a year of an appliance after-sales shop, generated reproducibly."""
