"""Epicentr marketplace (OMS and PIM APIs): orders, statuses with reasons, waybills, categories."""
