"""The clinic's central station (issue 12): every chair on the clinic bus in one window.

`board` (the model) and `central_log` (its SQLite log) are Qt-free; `app` wires the bus client,
the board, the window (console/ui/central_window.py) and the alarm tones together.
"""
