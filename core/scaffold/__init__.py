"""``sferum new-bot``: a new plugin project whose test passes as generated."""
