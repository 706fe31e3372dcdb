"""Benchmark: CPU of reading a feed again when it has gained one item, as on every WebSub push
(the hub sends the whole feed) and every poll that finds it changed: a full parse against a
parse with the poller's item memo (`newswire.poller.incremental`).

The feeds are the farm's own (RSS and Atom outlets, 50 items each, as `bench/e2e.py` serves
them): articles arrive one at a time, and after each arrival the outlet's feed is rendered and
read both ways in this process (`time.process_time`; the order alternates). Prints the median
and mean ms per read and their ratio, and checks that both ways give the same items.
No timing is asserted anywhere: this reports, it does not judge.

    .venv/bin/python bench/feed_reread.py [--outlets 4] [--arrivals 200] [--items 50]
"""

from __future__ import annotations

import argparse
import time
from statistics import mean, median

from newswire.farm.catalogue import Catalogue
from newswire.farm.config import FarmConfig, OutletBehaviour
from newswire.farm.content import outlet_name
from newswire.farm.fixtures import FixtureSet
from newswire.farm.model import Outlet, outlet_address
from newswire.farm.routes import feed_body
from newswire.poller.incremental import ItemMemo
from newswire.poller.sitemap import parse_document

START = 1_780_000_000.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--outlets", type=int, default=4)
    parser.add_argument("--arrivals", type=int, default=200, help="articles arriving in all")
    parser.add_argument("--items", type=int, default=50, help="items per feed")
    args = parser.parse_args()
    outlets = [
        Outlet(i, outlet_name(i), f"o{i}", outlet_address(i), 8900, "rss" if i % 2 == 0 else "atom",
               True, None, OutletBehaviour())
        for i in range(args.outlets)
    ]
    # arrivals at 1/s, no edits: each second one outlet's feed gains an item
    config = FarmConfig(outlets=args.outlets, articles_per_outlet=args.items, arrival_rate=1.0, edit_rate=0.0)
    catalogue = Catalogue(outlets, config, FixtureSet(dir=None), START)
    memo = ItemMemo()
    for outlet in outlets:  # each feed read once before: the memo knows its items
        parse_document(feed_body(outlet, catalogue, args.items)[0], outlet.feed_url, memo=memo)
    full_ms: list[float] = []
    memo_ms: list[float] = []
    seen = {o.index: catalogue.published(o.index) for o in outlets}
    now = START
    while len(full_ms) < args.arrivals:
        now += 1.0
        catalogue.advance(now)
        for outlet in outlets:
            if catalogue.published(outlet.index) == seen[outlet.index]:
                continue
            seen[outlet.index] = catalogue.published(outlet.index)
            body, _ = feed_body(outlet, catalogue, args.items)
            url = outlet.feed_url
            timings: dict[str, float] = {}
            results = {}
            for way in (("full", "memo") if len(full_ms) % 2 == 0 else ("memo", "full")):
                t0 = time.process_time()
                results[way] = parse_document(body, url, memo=memo if way == "memo" else None)
                timings[way] = (time.process_time() - t0) * 1000
            if results["full"] != results["memo"]:
                raise SystemExit(f"the memo changed what {url} parses to")
            full_ms.append(timings["full"])
            memo_ms.append(timings["memo"])
    print(f"{len(full_ms)} reads of feeds of {args.items} items, each gaining one item since its last read")
    print(f"full parse: median {median(full_ms):.2f} ms, mean {mean(full_ms):.2f} ms")
    print(f"with memo:  median {median(memo_ms):.2f} ms, mean {mean(memo_ms):.2f} ms "
          f"(hits {memo.hits}, misses {memo.misses})")
    print(f"ratio (full / memo): median {median(full_ms) / median(memo_ms):.1f}x")


if __name__ == "__main__":
    main()
