"""The clinic network (issue 12): what a console sends to the clinic bus and the interface engine.

Qt-free: nothing here imports PySide6 or pyqtgraph (tests/network checks it in a fresh interpreter).
`pcd` builds the HL7 v2 messages (IHE PCD-01 observations, IHE PCD-04 alarm phases) as pure
functions of the records the engine commits; transports live in their own modules.
"""
