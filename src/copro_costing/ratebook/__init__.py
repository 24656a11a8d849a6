"""The rate book: the rate tables' models, reading and checking a rates folder, showing,
comparing and writing rows back, and the tables' JSON Schemas.

Uses only the ground floor (money, errors, tomlfile, fields); never pricing, exports or
the faces.
"""
