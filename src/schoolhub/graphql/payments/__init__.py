"""GraphQL parts of the payments domain. ``schoolhub.graphql.schema`` merges these into the roots."""

from schoolhub.graphql import node
from schoolhub.graphql.payments.mutations import PaymentsMutations
from schoolhub.graphql.payments.queries import PaymentsQueries, _intents, _invoices

node.register("Invoice", _invoices)
node.register("PaymentIntent", _intents)

QUERIES: tuple[type, ...] = (PaymentsQueries,)
MUTATIONS: tuple[type, ...] = (PaymentsMutations,)
SUBSCRIPTIONS: tuple[type, ...] = ()
TYPES: tuple[type, ...] = ()
