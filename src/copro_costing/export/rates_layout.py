"""The rates workbook's layout, shared by its writer and its reader."""

ABOUT_SHEET = "about"
"""The sheet that explains every column; ignored on import."""
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
FLOAT_DIGITS = 15
"""Significant digits a binary float holds exactly; longer numbers are stored as text."""
