"""The benchmark program for quality bars P1-P8: `python -m benchmarks` (see run.py, README.md)."""
