"""Zakupka.com: catalog by YML feed, new orders from a CommerceML file (one-way, seed 003)."""
