"""pytest fixtures: clinical (see tests/conftest.py)."""
