"""Hubber dropshipping marketplace: orders and catalog with login and password (seed 003)."""
