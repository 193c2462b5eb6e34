"""The composition root: wires storage, services, plugins, the sandbox and the mini-app for
`sferum run`, the `sferum` command and the test harness alike. Nothing below imports it."""
