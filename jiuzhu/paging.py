"""A paginator whose total count is cached while the list has not grown.

On a county-wide list of 350k households the page rows come from the primary key in under a
millisecond, but COUNT(*) costs 45–60 ms on PostgreSQL (bench/registry.py). The count is cached
under the query's SQL and the newest row id in it, so a new row refreshes it at once; a row that
moves out of the list (e.g. to another village) may leave the total stale for COUNT_TTL seconds.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

COUNT_TTL = 60


class CachedCountPaginator(Paginator):
    object_list: QuerySet[Any]

    @cached_property
    def count(self) -> int:
        newest = self.object_list.values_list("pk", flat=True).first()
        if newest is None:
            return 0
        sql = str(self.object_list.query).encode()
        key = f"paging-count:{hashlib.sha256(sql).hexdigest()}:{newest}"
        cached = cache.get(key)
        if cached is None:
            cached = self.object_list.count()
            cache.set(key, cached, COUNT_TTL)
        return int(cached)
