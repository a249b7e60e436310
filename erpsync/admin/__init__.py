"""The web app: the admin panel for people and the public endpoints (feed URLs, push receivers).

``create_app`` is the factory (``erpsync admin`` runs it; a host Flask app may embed it).
Blueprints live in ``erpsync.admin.blueprints``: every module there that defines ``blueprint`` is
registered, so a feature adds its pages without editing this file.
"""

from __future__ import annotations

from erpsync.admin.app import create_app

__all__ = ["create_app"]
