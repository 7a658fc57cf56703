"""The NinjaAPI instance of /api/v1/ (filled by the API work)."""

from ninja import NinjaAPI

api = NinjaAPI(title="gridgov API", version="1", urls_namespace="api", openapi_url="/openapi.json")
