"""pytest fixtures: postgres (see tests/conftest.py)."""
