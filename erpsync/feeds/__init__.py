"""Feeds: the files feed-based marketplaces download (Kaspi XML price list, YML catalogs, Kaufland CSV).

Modules, each usable on its own (the API stock/price pushes reuse the rules):

- ``reader``: a shop's listed products read in chunks with their photos, characteristics, prices,
  stock and reservations (``ProductRow``);
- ``selection``: which products go out and why the others do not (``ShopRules``, ``Exclusion``);
- ``pricing``: the price block a shop sends (``price_block``);
- ``stock``: the quantity a shop offers (``available_quantity``, ``stock_state``);
- ``catalog_map``: the seam to category / characteristic mapping;
- ``offers``: a row → an ``Offer`` for the templates, or an ``Exclusion``;
- ``render`` / ``publish``: streaming the Jinja2 templates of ``feed_templates/`` into files;
- ``validate``: checking a feed file against each marketplace's rules;
- ``specs``: which marketplace reads which feed.

This package is an adapter: it writes no sync log (``erpsync.sync.feeds`` does).
"""
