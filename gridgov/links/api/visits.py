"""The REST API of the links app's visits part; mounted by ``api/router.py``."""

from ninja import Router

router = Router(tags=["走访"])
