"""The NinjaAPI instance of /api/v1/: authentication, error bodies, docs, and the resources.

Every operation needs a token or a session (401 otherwise); reads go through
``Model.objects.restrict(user, "view")``, writes through the apps' services with the scope
re-checked in the same transaction (common.scoped_write). Out of scope is always 404.
"""

from ninja import NinjaAPI

from gridgov.accounts import api as accounts_api
from gridgov.core.apitools import RENDERER

from . import audit, bodies, cases, errors, grid, me, members, orgs, people, posts
from .auth import SessionCsrfAuth, TokenAuth, acting_user
from .docs import OfflineSwagger

api = NinjaAPI(
    title="gridgov API",
    version="1",
    description="网格治理平台接口 v1。认证：个人接口令牌（Authorization: Bearer <令牌>）"
    "或网页登录会话（非只读请求须带 X-CSRFToken）。超出权限范围的对象一律返回404。",
    urls_namespace="api",
    openapi_url="/openapi.json",
    auth=[TokenAuth(), SessionCsrfAuth()],
    docs=OfflineSwagger(),
    renderer=RENDERER,
)
api.add_decorator(acting_user)
errors.install(api)

api.add_router("/me", me.router)
api.add_router("/grid-nodes", grid.router)
api.add_router("/households", people.households)
api.add_router("/persons", people.persons)
api.add_router("/party-orgs", orgs.router)
api.add_router("/party-members", members.router)
api.add_router("/bodies", bodies.router)
api.add_router("/grid-posts", posts.router)
api.add_router("/audit-entries", audit.router)
api.add_router("/users", accounts_api.router)
api.add_router("/matters", cases.matters)
api.add_router("/matter-categories", cases.categories)
api.add_router("/notifications", cases.notifications)
