"""Costing-file fragments shared by several test modules."""

INVOLVEMENT = """
[[involvement]]
activity = "Advisory group meetings"
people = 8
sessions = 4
hours = 2
prep_hours = 1
years = [1, 2, 3]
expenses = 15.00
"""
"""The issue's involvement example: 8 x 4 x (2 h + 1 h) x £30 + 32 x £15 = £3,360 a year."""


def append_rows(folder, file: str, text: str) -> None:
    """Append TOML rows to ``folder/file`` (a copied rates folder a test may edit)."""
    path = folder / file
    path.write_text(path.read_text(encoding="utf-8") + "\n" + text.strip("\n") + "\n", encoding="utf-8")
