"""The demo: a realistic sample catalog and a guided run against the marketplace sandboxes."""
