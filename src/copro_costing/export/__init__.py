"""Exports: a Costing (and the offer, and the rate tables) as workbooks, CSV and text.

Renders what the Costing and the RateBook hold; never prices.
"""
