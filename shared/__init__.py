"""newswire: event-driven news ingestion.

The shared library: contracts (`newswire.contracts`), the topic registry (`newswire.topics`),
configuration (`newswire.config`) and the stage runtime (`newswire.runtime`). Each service lives in
its own package (`newswire.poller`, `newswire.fetcher`, ...).
"""

__version__ = "0.1.0"
