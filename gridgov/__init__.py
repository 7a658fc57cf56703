"""gridgov (网格治理平台): party-building-led grid governance for villages and towns."""

__version__ = "0.1.0"
