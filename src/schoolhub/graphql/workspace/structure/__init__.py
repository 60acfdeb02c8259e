"""GraphQL parts: school years, terms, subjects, classes, assignments, rooms, timetable, grades and records. Merged by ``schoolhub.graphql.workspace``."""

QUERIES: tuple[type, ...] = ()
MUTATIONS: tuple[type, ...] = ()
SUBSCRIPTIONS: tuple[type, ...] = ()
TYPES: tuple[type, ...] = ()
