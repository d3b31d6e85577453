"""Load and admission test of the production server: ``python -m bench.load`` (see run.py)."""
