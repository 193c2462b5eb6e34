"""A local VK: the API subset, Bots Long Poll and Callback API the bots use, plus a web chat."""
