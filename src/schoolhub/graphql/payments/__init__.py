"""GraphQL parts of the payments domain. ``schoolhub.graphql.schema`` merges these into the roots."""

from schoolhub.graphql import node
from schoolhub.graphql.payments.exports import ExportQueries
from schoolhub.graphql.payments.mutations import PaymentsMutations
from schoolhub.graphql.payments.queries import PaymentsQueries, _intents, _invoices
from schoolhub.graphql.payments.receipts import ReceiptsQueries, _receipts
from schoolhub.graphql.payments.reconciliation import (
    ReconciliationMutations,
    ReconciliationQueries,
    _reconciliation_items,
    _reconciliation_runs,
)

node.register("Invoice", _invoices)
node.register("PaymentIntent", _intents)
node.register("Receipt", _receipts)
node.register("ReconciliationRun", _reconciliation_runs)
node.register("ReconciliationItem", _reconciliation_items)

QUERIES: tuple[type, ...] = (
    PaymentsQueries,
    ReceiptsQueries,
    ExportQueries,
    ReconciliationQueries,
)
MUTATIONS: tuple[type, ...] = (PaymentsMutations, ReconciliationMutations)
SUBSCRIPTIONS: tuple[type, ...] = ()
TYPES: tuple[type, ...] = ()
