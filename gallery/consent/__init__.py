"""Consent: append-only records, the effective consent, and the gate."""
