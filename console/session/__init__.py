"""The session engine: phases, alarms, schedule, checklist and entry state. No Qt here.

A regular package (not a namespace one) so that the import contract (import-linter, which skips
folders without an __init__.py) sees and checks these modules.
"""
