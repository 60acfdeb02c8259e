"""GraphQL parts: official documents (công văn), tasks, file storage. Merged by ``schoolhub.graphql.workspace``."""

QUERIES: tuple[type, ...] = ()
MUTATIONS: tuple[type, ...] = ()
SUBSCRIPTIONS: tuple[type, ...] = ()
TYPES: tuple[type, ...] = ()
