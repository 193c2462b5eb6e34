"""Core logic of the organisation cabinet's sections (the mini-app's views only call it)."""
