"""Django's SQLite backend, creating a new database file readable by its owner only."""
