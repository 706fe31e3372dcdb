"""The web service: a read-only reader's view of the revisions, articles, stories and outlets
in Elasticsearch, as HTML pages, Atom and RSS feeds, and a JSON API."""
