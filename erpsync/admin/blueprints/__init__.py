"""Blueprints of the web app; each module defining ``blueprint`` is registered by ``create_app``."""
