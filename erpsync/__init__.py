"""erpsync: one accounting database, many marketplaces."""

__version__ = "0.1.0"
