"""Request handlers, one module per area; miniapp/routes.py maps URLs to them."""
