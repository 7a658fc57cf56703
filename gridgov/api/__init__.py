"""The REST API framework (django-ninja) at /api/v1/: it owns no resource of its own.

Each app defines its routers and schemas in its own ``api.py`` and ``schemas.py`` (``grid``:
/grid-nodes; ``accounts``: /users and /me; ``core``: /audit-entries; …); ``router.py`` holds the
one NinjaAPI instance and mounts them, keeping each operation's id. What stays here is what every
resource shares: authentication (``auth.py``), error bodies (``errors.py``), the request
middleware (``middleware.py``) and the docs (``docs.py``: schema at /api/v1/openapi.json,
Swagger UI at /api/v1/docs with its assets served locally). The shared helpers the apps' routers
use are ``gridgov.core.apitools`` and ``gridgov.core.apischemas`` (apps do not import this
package).

Conventions every router follows:Conventions every module here follows:

- Authentication (auth.py): ``Authorization: Bearer <token>`` (personal tokens from
  ``accounts.services.api_token_create``) or the web session, with the CSRF token
  (``X-CSRFToken``) on unsafe methods. Anything else is 401. The authenticated user is the
  actor of every audited change (source "api").
- Reads: ``Model.objects.restrict(user, "view")``; every list is paged in the database
  (``limit`` ≤ 200, ``offset``) and answers ``{count, items}`` in a fixed number of queries.
- Writes: through the apps' services only, wrapped by ``core.apitools.scoped_write``: the service runs,
  then the stored row is re-checked for the write action ("change"; "manage_grid" for grid nodes,
  party organizations, bodies, memberships and grid posts) in the same transaction, and rolled
  back if it falls outside the user's subtrees.
- 404 for anything absent or out of scope for the action, including rows named in a request
  body (a household in another village's micro-grid): never 403 and never a count, so a 404
  does not tell whether the row exists. 403 is only the CSRF refusal of a session request.
- 422 for invalid input, from the schema or from a service: ``{"detail", "errors": {field:
  [reasons]}}``, reasons in Chinese.
- Persons show ``id_masked`` and ``phone_masked`` only; sensitive data only in a person's detail,
  to users allowed "view_sensitive", and each such view is audited.
"""
