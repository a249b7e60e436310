"""Kaspi.kz merchant API (seed 004): orders, status actions, product import, categories."""
