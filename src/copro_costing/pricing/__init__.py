"""Pricing: the costing spec, the charging and funder rules, the engine that prices a
spec against a RateBook, the Costing it returns, the catalogue and comparisons.

Uses the rate book and the ground floor. Exports and notebook views are reached only
lazily, from the Costing's convenience methods.
"""
