"""Outbound HTTP shared by the poller and the fetcher: the SSRF guard, per-host politeness and
a guarded GET that follows redirects by hand."""
