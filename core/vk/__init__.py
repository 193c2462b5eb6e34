"""VK transport: one channel per token (its rate limit and HTTP session), the API client the bots
use, the batch sender, deterministic random_ids, launch parameters of mini-apps."""
