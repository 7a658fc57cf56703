"""The NinjaAPI instance of /api/v1/ and the mounting of the apps' routers.

The instance carries what every operation shares: authentication (a token or a session, 401
otherwise), the acting user of audited changes, error bodies, the docs and the JSON renderer.
The resources are the apps' routers (``gridgov.<app>.api``), mounted below with ``mount``; a
router still defined in this package is one not yet moved to its app. Reads go through
``Model.objects.restrict(user, "view")``, writes through the apps' services with the scope
re-checked in the same transaction (``core.apitools.scoped_write``). Out of scope is always 404.
"""

from ninja import NinjaAPI, Router

from gridgov.accounts import api as accounts_api
from gridgov.cases import api as cases_api
from gridgov.core import api as core_api
from gridgov.core.apitools import RENDERER
from gridgov.decisions.api import matters as decision_matters_api
from gridgov.decisions.api import meetings as decision_meetings_api
from gridgov.decisions.api import notices as decision_notices_api
from gridgov.decisions.api import solicitations as decision_solicitations_api
from gridgov.decisions.api import tally as decisions_tally_api
from gridgov.grid import api as grid_api
from gridgov.links.api import cards as link_cards_api
from gridgov.links.api import linking as linking_api
from gridgov.links.api import plans as link_plans_api
from gridgov.links.api import visits as visits_api
from gridgov.orgs import api as orgs_api
from gridgov.people import api as people_api

from . import errors
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


def mount(prefix: str, router: Router, *, ids: str) -> None:
    """Mount an app's router at ``prefix``, its operations named ``<ids>_<function>``.

    ninja names an operation after the module that defines it; ``ids`` fixes the name's first
    part (the module the router was first written in), so moving a router between modules does
    not rename the operations that clients generated from the OpenAPI document call
    (api/tests/test_openapi.py pins them)."""
    for view in router.path_operations.values():
        for operation in view.operations:
            operation.operation_id = (
                operation.operation_id or f"{ids}_{operation.view_func.__name__}"
            )
    api.add_router(prefix, router)


mount("/me", accounts_api.me, ids="gridgov_api_me")
mount("/grid-nodes", grid_api.router, ids="gridgov_api_grid")
mount("/households", people_api.households, ids="gridgov_api_people")
mount("/persons", people_api.persons, ids="gridgov_api_people")
mount("/party-orgs", orgs_api.party_orgs, ids="gridgov_api_orgs")
mount("/party-members", orgs_api.members, ids="gridgov_api_members")
mount("/bodies", orgs_api.bodies, ids="gridgov_api_bodies")
mount("/grid-posts", orgs_api.posts, ids="gridgov_api_posts")
mount("/audit-entries", core_api.router, ids="gridgov_api_audit")
mount("/users", accounts_api.router, ids="gridgov_accounts_api")
mount("/matters", cases_api.matters, ids="gridgov_api_cases")
mount("/matter-categories", cases_api.categories, ids="gridgov_api_cases")
mount("/notifications", cases_api.notifications, ids="gridgov_api_cases")
# Linking households (党员联户): one router per part, each free to mount several prefixes.
mount("", linking_api.router, ids="gridgov_links_api")
mount("", link_plans_api.router, ids="gridgov_links_api")
mount("", visits_api.router, ids="gridgov_links_api")
mount("", link_cards_api.router, ids="gridgov_links_api")
# Important-matters decisions (重要事项决策).
mount("", decision_matters_api.router, ids="gridgov_decisions_api")
mount("", decision_meetings_api.router, ids="gridgov_decisions_api")
mount("", decision_notices_api.router, ids="gridgov_decisions_api")
mount("", decision_solicitations_api.router, ids="gridgov_decisions_api")
mount("/decisions", decisions_tally_api.router, ids="gridgov_decisions_tally")
