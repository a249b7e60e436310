"""Marketplace connectors: ``base`` (the protocol and its values), ``http`` (the HTTP every connector
shares: retries, backoff, 429, rate limit, authentication, errors), ``registry`` (name → connector),
then one package per marketplace with its ``enums`` (fixed vocabularies), client and codec."""
