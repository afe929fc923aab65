"""Look and feel."""
