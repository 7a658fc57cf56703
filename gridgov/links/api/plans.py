"""The REST API of the links app's plans part; mounted by ``api/router.py``."""

from ninja import Router

router = Router(tags=["联户方案"])
