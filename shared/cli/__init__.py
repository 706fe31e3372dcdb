"""The `newswire` command line."""
