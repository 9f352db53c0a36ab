"""Plain values: life weeks, items, states, names. No I/O here."""
