"""Rozetka Seller API: orders, numeric statuses, waybills, category options."""
