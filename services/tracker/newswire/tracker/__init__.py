"""The tracker service."""
