"""Marketplace connectors: ``base`` (the protocol and its values), ``registry`` (name → connector),
then one package per marketplace with its ``enums`` (fixed vocabularies), client and codec."""
