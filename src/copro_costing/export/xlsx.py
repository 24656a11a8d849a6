"""The costing workbook's old import path: the exporter is :mod:`copro_costing.export.workbook`."""

from .workbook import write_workbook as write_workbook

__all__ = ["write_workbook"]
