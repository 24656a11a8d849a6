"""The command line, ``copro-costing``: a thin face over the library's functions."""

from .main import main

__all__ = ["main"]
