"""The REST API of the links app's cards part; mounted by ``api/router.py``."""

from ninja import Router

router = Router(tags=["连心卡"])
