"""The REST API: one NinjaAPI; each app adds its router from its own api.py."""

from ninja import NinjaAPI

api = NinjaAPI(title="Grassroots API", version="1", urls_namespace="api")
