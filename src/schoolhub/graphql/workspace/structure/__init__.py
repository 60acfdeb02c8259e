"""GraphQL parts: school years, terms, subjects, classes, assignments, rooms, timetable, grades and records. Merged by ``schoolhub.graphql.workspace``."""

from schoolhub.graphql.workspace.structure.grades import GradeMutations, GradeQueries
from schoolhub.graphql.workspace.structure.grades_primary import (
    PrimaryGradeMutations,
    PrimaryGradeQueries,
)
from schoolhub.graphql.workspace.structure.setup import (
    StructureSetupMutations,
    StructureSetupQueries,
)
from schoolhub.graphql.workspace.structure.timetable import TimetableMutations, TimetableQueries

QUERIES: tuple[type, ...] = (
    StructureSetupQueries,
    TimetableQueries,
    GradeQueries,
    PrimaryGradeQueries,
)
MUTATIONS: tuple[type, ...] = (
    StructureSetupMutations,
    TimetableMutations,
    GradeMutations,
    PrimaryGradeMutations,
)
SUBSCRIPTIONS: tuple[type, ...] = ()
TYPES: tuple[type, ...] = ()
