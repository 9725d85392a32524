"""Search: text analysis, the lexical index and the search service."""

from samverkan.search.service import KINDS, QueryError, SearchService

__all__ = ["KINDS", "QueryError", "SearchService"]
