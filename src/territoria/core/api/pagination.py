"""The API's pagination: limit/offset, with a largest page.

DRF's LimitOffsetPagination has no cap by default: a `limit` past 2**63 reached the database
and made every list answer 500; a huge but valid one read the whole table in one response.
"""

from rest_framework.pagination import LimitOffsetPagination


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    max_limit = 1000  # a larger `limit` gives pages of 1000 (documented in docs/api.md)
