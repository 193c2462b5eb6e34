"""Demo data for the sandbox, the README walkthrough and the tests."""
