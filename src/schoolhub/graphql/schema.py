"""Schema assembly: one Query, Mutation and Subscription merged from the domains' parts."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, ParserCache, ValidationCache
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
    def me(self, info: Info) -> User:
        principal = info.context.require_principal()
        profile = principal.profile
        assert profile is not None and principal.user_id is not None  # set by load_principal
        return User(
            id=str(principal.user_id),
            login=profile.login,
            full_name=profile.full_name,
            phone_value=profile.phone,
        )


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
            # The mobile app sends the same few documents all day: parse and validate each once.
            lambda: ParserCache(maxsize=512),
            lambda: ValidationCache(maxsize=512),
        ],
        config=StrawberryConfig(disable_field_suggestions=production, relay_max_results=100),
    )
