"""Regional strategies: focus areas, initiatives, updates, decisions, and the newsletter."""
