"""The first lines of a child script that is sent a signal: the signals as a terminal starts a
command. A test run under `nohup`, or in the background of a script without job control, passes
SIGHUP or SIGINT on ignored, and the signal the test sends did nothing (the export went on and
wrote its file; the window opened and ran until the test's timeout)."""

AS_FROM_A_TERMINAL = (
    "import signal\n"
    "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
    "signal.signal(signal.SIGTERM, signal.SIG_DFL)\n"
    "signal.signal(signal.SIGHUP, signal.SIG_DFL)\n"
)
