"""Pure image science: face mesh, pose, scale, quality and treatment regions.

Arrays and plain values in, frozen dataclasses out. Never imports Flask or the
database, never does I/O beyond what ``__main__`` (the command line) needs.
"""
from landmarks.analysis import ANALYSIS_VERSION, Analysis, analyse

__all__ = ["ANALYSIS_VERSION", "Analysis", "analyse"]
