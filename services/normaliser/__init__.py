"""The normaliser service."""
