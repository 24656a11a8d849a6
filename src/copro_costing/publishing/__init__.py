"""The unit's published documents: the offer and the funder guides, generated from the
rate tables, rendered to Markdown and HTML.

Uses pricing, the rate book and the ground floor.
"""
