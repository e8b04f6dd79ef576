"""Ordered schema steps. ``PRAGMA user_version`` holds the version a database is at.

To change the schema: bump ``SCHEMA_VERSION`` and add ``STEPS[N]`` (a function taking a
``playhouse.migrate.SchemaMigrator``). A fresh database gets every table at the current version
and skips the steps; an older one is copied aside, then stepped up, each step in one transaction
together with its version bump.
"""

from collections.abc import Callable

SCHEMA_VERSION = 1

# version → step that brings a database from version-1 to version. Version 1 is the first
# release: it is created from the models, so it has no step.
STEPS: dict[int, Callable] = {}
