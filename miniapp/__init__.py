"""The e-journal mini-app opened from VK with signed launch parameters."""
