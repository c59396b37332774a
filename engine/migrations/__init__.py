"""Alembic migrations shipped inside the package, run by `essaim db upgrade`."""
