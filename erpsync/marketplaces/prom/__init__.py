"""Prom.ua public API v1 (also Satu.kz: the same API at another base URL): orders, statuses, waybills."""
