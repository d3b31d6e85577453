"""pytest fixtures: keys (see tests/conftest.py)."""
