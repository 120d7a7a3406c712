"""The rule catalogue: every risk we check, as data with reasons.

Import :mod:`wizard.rules.catalogue` for the registry; this package root stays
empty so that importing one rule module does not load them all.
"""
