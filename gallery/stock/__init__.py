"""The clinic's toxin stock and product recalls."""
