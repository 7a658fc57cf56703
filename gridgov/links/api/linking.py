"""The REST API of the links app's linking part; mounted by ``api/router.py``."""

from ninja import Router

router = Router(tags=["党员联户"])
