"""Review of past sessions from the log, read-only: a read model (model.py) and its queries."""
