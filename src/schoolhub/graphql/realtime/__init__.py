"""GraphQL parts of the realtime domain (live class sessions). ``schoolhub.graphql.schema`` merges
these into the roots."""

from schoolhub.graphql.realtime.minutes import RealtimeMinutesQueries
from schoolhub.graphql.realtime.mutations import RealtimeMutations
from schoolhub.graphql.realtime.queries import RealtimeQueries
from schoolhub.graphql.realtime.recordings import (
    RealtimeRecordingMutations,
    RealtimeRecordingQueries,
)
from schoolhub.graphql.realtime.subscriptions import RealtimeSubscriptions
from schoolhub.graphql.realtime.types import LiveParticipant

QUERIES: tuple[type, ...] = (RealtimeQueries, RealtimeMinutesQueries, RealtimeRecordingQueries)
MUTATIONS: tuple[type, ...] = (RealtimeMutations, RealtimeRecordingMutations)
SUBSCRIPTIONS: tuple[type, ...] = (RealtimeSubscriptions,)
TYPES: tuple[type, ...] = (LiveParticipant,)
