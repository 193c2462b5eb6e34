"""The runtime: plugins on vkbottle, middleware, transports, and the embedded default."""
