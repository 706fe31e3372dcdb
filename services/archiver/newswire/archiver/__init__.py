"""The archiver: every fetched page to WARC files with a CDXJ index (issue #23)."""
