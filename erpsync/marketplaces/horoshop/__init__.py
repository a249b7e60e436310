"""Horoshop shop platform API: orders with per-shop statuses, delivery and payment types."""
