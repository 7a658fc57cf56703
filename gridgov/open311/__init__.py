"""Open311 GeoReport v2 at /open311/v2/: an adapter over the cases app's services.

Service requests are residents' matters (``gridgov.cases``); services are their categories.
"""
