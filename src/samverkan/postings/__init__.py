"""Needs and solutions that organisations publish, their history, and matching both ways."""
