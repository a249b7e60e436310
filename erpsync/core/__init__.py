"""Core: configuration, error types, money helpers, credentials encryption, structured log.

Everything else in erpsync may import from here; this package imports nothing of erpsync's own
but itself.
"""
