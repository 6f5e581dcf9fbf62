"""Shared pieces of the REST API under /api/v1/: the exception handler, throttles, permission
classes that bridge the one access policy into DRF, the token endpoint, the dashboard summary
endpoint and the OpenAPI examples. The resource viewsets live with their apps."""
