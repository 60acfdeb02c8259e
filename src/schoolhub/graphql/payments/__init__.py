"""GraphQL parts of the payments domain. ``schoolhub.graphql.schema`` merges these into the roots.

Add query/mutation/subscription classes (plain ``@strawberry.type`` classes with fields) to the
tuples below, extra types that are only reachable through interfaces to ``TYPES``, and register Node
resolvers with ``schoolhub.graphql.node.register``.
"""

QUERIES: tuple[type, ...] = ()
MUTATIONS: tuple[type, ...] = ()
SUBSCRIPTIONS: tuple[type, ...] = ()
TYPES: tuple[type, ...] = ()
