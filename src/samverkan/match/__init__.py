"""Matching needs to opportunities: partners and consortia."""
