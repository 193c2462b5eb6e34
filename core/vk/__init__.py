"""VK transport: the API client the bots use, rate limiting, launch parameters of mini-apps."""
