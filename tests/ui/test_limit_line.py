"""An alarm limit's line never raises into Qt while its plot is torn down (console/ui/trend.py,
LimitLine): pyqtgraph's InfiniteLine raised RuntimeError from boundingRect once its ViewBox was
deleted, inside Qt's call, and the process died of a segmentation fault (CI, Python 3.13)."""

from __future__ import annotations

import pyqtgraph as pg
import pytest
import shiboken6
from PySide6 import QtCore

from console.ui.trend import LimitLine


def deleted_view_box() -> pg.ViewBox:
    """A ViewBox whose C++ object is gone, as Qt's teardown leaves it to a line asking."""
    view = pg.ViewBox()
    shiboken6.delete(view)
    return view


def test_a_limit_line_whose_view_box_is_gone_has_no_bounds_and_raises_nothing(qtbot):
    plot = pg.PlotWidget()
    qtbot.addWidget(plot)
    line = LimitLine(pos=90, angle=0)
    plot.plotItem.addItem(line)
    plot.resize(300, 200)
    plot.show()
    qtbot.waitExposed(plot)
    assert not line.boundingRect().isEmpty()
    gone = deleted_view_box()
    line.getViewBox = lambda: gone      # its ViewBox deleted first, as in the crash
    line._boundingRect = None           # and its bounds asked again
    assert line.boundingRect() == QtCore.QRectF()


def test_pyqtgraphs_own_line_raises_there():
    # What the guard is for: if pyqtgraph stops raising, LimitLine may go.
    line = pg.InfiniteLine(pos=90, angle=0)
    gone = deleted_view_box()
    line.getViewBox = lambda: gone
    line._boundingRect = None
    with pytest.raises(RuntimeError, match="already deleted"):
        line.boundingRect()
