"""Commands that start what the composition root assembles: `sferum run`, `sferum sandbox`."""
