"""REST API v1 (django-ninja) over the services of the apps below."""
