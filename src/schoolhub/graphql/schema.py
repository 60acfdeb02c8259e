"""Schema assembly: one Query, Mutation and Subscription merged from the domains' parts."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.extensions import AddValidationRules, MaxTokensLimiter
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext, Info

from graphql import GraphQLError
from schoolhub.graphql.errors import classify
from schoolhub.graphql.identity.mutations import IdentityMutations
from schoolhub.graphql.identity.types import User
from schoolhub.graphql.limits import Limits, NoIntrospectionRule, make_rule
from schoolhub.graphql.node import NodeQueries
from schoolhub.graphql.subscriptions import Subscription
from schoolhub.graphql.tenants.mutations import TenantMutations
from schoolhub.graphql.tenants.queries import TenantQueries
from schoolhub.graphql.tenants.types import Membership, OrgUnit, School


@strawberry.type
class Query(NodeQueries, TenantQueries):
    @strawberry.field(description="The signed-in user, with memberships across schools.")
    async def me(self, info: Info) -> User:
        principal = info.context.require_principal()
        rows = await info.context.loaders.user.load_many([principal.user_id])
        if rows[0] is None:
            from schoolhub.platform.errors import Unauthenticated

            raise Unauthenticated()
        return User.from_row(rows[0])


@strawberry.type
class Mutation(IdentityMutations, TenantMutations):
    pass


class SchoolHubSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        for error in errors:
            classify(error)


def build_schema(*, production: bool, limits: Limits | None = None) -> SchoolHubSchema:
    limits = limits or Limits()
    rules: list[Any] = [make_rule(limits)]
    if production:
        rules.append(NoIntrospectionRule)
    return SchoolHubSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=[School, OrgUnit, Membership, User],
        extensions=[
            lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
            lambda: AddValidationRules(rules),
        ],
        config=StrawberryConfig(disable_field_suggestions=production, relay_max_results=100),
    )
