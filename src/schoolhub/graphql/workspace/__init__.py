"""GraphQL parts of the workspace domain, merged from its four areas."""

from schoolhub.graphql.workspace import attendance, documents, people, structure

_AREAS = (structure, people, attendance, documents)
QUERIES: tuple[type, ...] = tuple(q for a in _AREAS for q in a.QUERIES)
MUTATIONS: tuple[type, ...] = tuple(m for a in _AREAS for m in a.MUTATIONS)
SUBSCRIPTIONS: tuple[type, ...] = tuple(s for a in _AREAS for s in a.SUBSCRIPTIONS)
TYPES: tuple[type, ...] = tuple(t for a in _AREAS for t in a.TYPES)
