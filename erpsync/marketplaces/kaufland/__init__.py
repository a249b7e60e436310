"""Kaufland Marketplace Seller API v2 (seed 002): units, order units, signed requests."""
