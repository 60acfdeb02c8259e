"""Schema assembly: one Query, Mutation and Subscription merged from the domains' parts."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, ParserCache, ValidationCache
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext, Info

from graphql import GraphQLError
from schoolhub.graphql import payments as gql_payments
from schoolhub.graphql import realtime as gql_realtime
from schoolhub.graphql import workspace as gql_workspace
from schoolhub.graphql.errors import classify
from schoolhub.graphql.identity.mutations import IdentityMutations
from schoolhub.graphql.identity.types import User
from schoolhub.graphql.limits import Limits, NoIntrospectionRule, make_rule
from schoolhub.graphql.node import NodeQueries
from schoolhub.graphql.payments.types import VND_TOTAL_SCALAR, VndTotal
from schoolhub.graphql.subscriptions import TenantSubscriptions
from schoolhub.graphql.tenants.mutations import TenantMutations
from schoolhub.graphql.tenants.queries import TenantQueries
from schoolhub.graphql.tenants.types import Membership, OrgUnit, School


@strawberry.type
class MeQuery:
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


def _merge(name: str, parts: tuple[type, ...]) -> type:
    """One root type from the domains' parts (each domain's graphql package lists its own)."""
    return strawberry.type(type(name, parts, {}))


DOMAIN_PACKAGES = (gql_workspace, gql_payments, gql_realtime)

Query = _merge(
    "Query",
    (MeQuery, NodeQueries, TenantQueries, *(q for d in DOMAIN_PACKAGES for q in d.QUERIES)),
)
Mutation = _merge(
    "Mutation",
    (IdentityMutations, TenantMutations, *(m for d in DOMAIN_PACKAGES for m in d.MUTATIONS)),
)
Subscription = _merge(
    "Subscription", (TenantSubscriptions, *(s for d in DOMAIN_PACKAGES for s in d.SUBSCRIPTIONS))
)
EXTRA_TYPES = tuple(t for d in DOMAIN_PACKAGES for t in d.TYPES)


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
        types=[School, OrgUnit, Membership, User, *EXTRA_TYPES],
        extensions=[
            lambda: MaxTokensLimiter(max_token_count=limits.max_tokens),
            lambda: AddValidationRules(rules),
            # The mobile app sends the same few documents all day: parse and validate each once.
            lambda: ParserCache(maxsize=512),
            lambda: ValidationCache(maxsize=512),
        ],
        config=StrawberryConfig(
            disable_field_suggestions=production,
            relay_max_results=100,
            scalar_map={VndTotal: VND_TOTAL_SCALAR},
        ),
    )
