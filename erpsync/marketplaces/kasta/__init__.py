"""Kasta HUB API (seed 000): products in batches, characteristics with select values, orders."""
