"""GraphQL parts: attendance, leave requests, monthly reports. Merged by ``schoolhub.graphql.workspace``."""

QUERIES: tuple[type, ...] = ()
MUTATIONS: tuple[type, ...] = ()
SUBSCRIPTIONS: tuple[type, ...] = ()
TYPES: tuple[type, ...] = ()
