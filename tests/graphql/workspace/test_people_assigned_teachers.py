"""A subject teacher assigned to a class sees its students; a teacher with no link to it does not."""

from __future__ import annotations

from schoolhub.graphql import ids
from tests.support import factories
from tests.support import workspace_structure as ws_structure
from tests.support.gql import GraphQLClient

CLASS_LIST = """query($s: ID!, $c: ID!) { students(schoolId: $s, classId: $c, first: 100) {
  edges { node { id } } } }"""


async def test_assignment_widens_a_teachers_view(gql: GraphQLClient) -> None:
    p = await factories.province()
    world = await factories.school(p)
    s = await ws_structure.structure(p, world)
    assert world.class_id is not None
    variables = {
        "s": ids.encode("School", world.school_id),
        "c": ids.encode("SchoolClass", world.class_id),
    }
    assigned = await gql.raw(CLASS_LIST, variables, await gql.token(s.subject_teacher_login))
    assert len(assigned["data"]["students"]["edges"]) == 2
    other = await gql.raw(CLASS_LIST, variables, await gql.token(s.other_teacher_login))
    edges = ((other.get("data") or {}).get("students") or {}).get("edges") or []
    assert edges == []
