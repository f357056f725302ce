import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "territoria.settings")
application = get_wsgi_application()
# Django imports the URL conf (every view, DuckDB, numpy…) on the first request: ~1.5 s.
# Done here, `territoria serve` (gunicorn --preload) pays it once before forking, instead of
# the first visitor of each worker.
_ = get_resolver().url_patterns
