"""The local news farm: many synthetic news outlets on loopback, for tests, demos and benchmarks.

Outlet ``i`` is served at ``http://127.0.<1 + i // 250>.<1 + i % 250>:<port>/`` (each outlet a
distinct host, no DNS); stats and control at ``http://127.0.0.1:<port>/_farm/...``. Outlet 0
carries the real two-version Guardian article next to the first seed text; seed texts ``0..4``
go to outlets ``0..4``. Everything else is generated deterministically from ``seed``.

Modules: :mod:`content` (pure text generation), :mod:`fixtures` (real texts, located at run
time), :mod:`render` (pure feeds and pages), :mod:`catalogue` (what is published when),
:mod:`behaviours` (misbehaviours as handler wrappers), :mod:`routes` (one outlet's pages),
:mod:`server` (binding, dispatch, control endpoints).

    async with run_farm(FarmConfig(outlets=20, port=0)) as farm:
        urls = farm.feed_urls()
"""

from newswire.farm.config import (
    MIXES,
    PRESETS,
    Assign,
    FarmConfig,
    OutletBehaviour,
    assign_behaviours,
    combine,
    parse_assign,
)
from newswire.farm.fixtures import FixtureSet, load_fixtures, locate_fixtures
from newswire.farm.model import ArticleRecord, Outlet, outlet_address
from newswire.farm.server import Farm, FarmError, run_farm

__all__ = [
    "MIXES",
    "PRESETS",
    "ArticleRecord",
    "Assign",
    "Farm",
    "FarmConfig",
    "FarmError",
    "FixtureSet",
    "Outlet",
    "OutletBehaviour",
    "assign_behaviours",
    "combine",
    "load_fixtures",
    "locate_fixtures",
    "outlet_address",
    "parse_assign",
    "run_farm",
]
