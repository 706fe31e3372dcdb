"""Outbound HTTP shared by the poller and the fetcher: the SSRF guard, per-host politeness and
a guarded GET that follows redirects by hand.

One module per concern, each the only home of it: `addresses` (SSRF guard, redirect targets and
loops, Retry-After), `http` (the guarded aiohttp client: the only module here that does I/O),
`errors` (the names of transport failures and the sets derived from them), `status` (what an
HTTP status means, for the fetcher and for the poller), `sniff` (HTML or binary body, bot-challenge
interstitials) and `charset` (charset labels and decoding bodies to text). All but `http` are
pure: no Kafka, HTTP-client or Elasticsearch imports."""
