"""The catalogue: entities and their queries."""
