"""Shared runtime of the Sferum bot framework."""
