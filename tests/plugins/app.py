"""pytest fixtures: app (see tests/conftest.py)."""
