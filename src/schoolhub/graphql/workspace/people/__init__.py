"""GraphQL parts: staff directory, students, guardians, bulk import, search, school profile. Merged by ``schoolhub.graphql.workspace``."""

QUERIES: tuple[type, ...] = ()
MUTATIONS: tuple[type, ...] = ()
SUBSCRIPTIONS: tuple[type, ...] = ()
TYPES: tuple[type, ...] = ()
