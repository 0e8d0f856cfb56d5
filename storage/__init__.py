"""The SQLite store behind the interfaces declared in `core.ports`."""
