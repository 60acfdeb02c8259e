"""A class list with guardians loads in a constant number of SQL statements (no N+1)."""

from __future__ import annotations

from schoolhub.graphql import ids
from schoolhub.platform import db
from schoolhub.workspace import repository as ws
from tests.support import factories
from tests.support.gql import GraphQLClient

CLASS_LIST = """query($s: ID!, $c: ID!) { students(schoolId: $s, classId: $c, first: 100) {
  edges { node { id fullName studentCode guardians { relationship isPrimary } } } } }"""


async def _add_students(world: factories.SchoolWorld, count: int) -> None:
    for _ in range(count):
        guardian = await factories.user()
        async with db.tenant(world.school_id):
            student = await ws.insert_student(
                world.school_id, f"QC{factories.n()}", "Lê Văn Quân", None, "male", world.class_id
            )
            await ws.insert_guardian_link(world.school_id, student["id"], guardian, "father", True)


async def _count(gql: GraphQLClient, token: str, world: factories.SchoolWorld) -> tuple[int, int]:
    variables = {
        "s": ids.encode("School", world.school_id),
        "c": ids.encode("SchoolClass", world.class_id),
    }  # type: ignore[arg-type]
    await gql.ok(CLASS_LIST, variables, token)  # warm caches (parser, validation)
    before = db.DB.query_count
    data = await gql.ok(CLASS_LIST, variables, token)
    return db.DB.query_count - before, len(data["students"]["edges"])


async def test_class_with_guardians_in_constant_queries(gql: GraphQLClient) -> None:
    p = await factories.province()
    world = await factories.school(p)
    token = await gql.token(world.logins["principal"])
    await _add_students(world, 3)
    small, n_small = await _count(gql, token, world)
    await _add_students(world, 40)
    large, n_large = await _count(gql, token, world)
    assert (n_small, n_large) == (5, 45)
    assert small == large, (small, large)
