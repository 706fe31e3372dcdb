"""The re-check's region test, reading side: does a re-checked page still hold the article it was
last extracted from? Shared by the fetcher, which answers most re-checks with it before a page is
passed on (issue #20), and the normaliser, which records the fingerprints (on the extraction's
tree) and tests the pages the fetcher could not.

`inputs`: what the test reads on any parser's tree and how it is hashed (the verdict inputs, the
byline markup, the locator steps, the page's bound). `lexbor`: the test on lexbor's tree
(selectolax), for fingerprints recorded with `region_parser="lexbor"` (97% of them on the dev
pages; the rest are lxml's, tested by the normaliser).

Pure: selectolax and the standard library."""
