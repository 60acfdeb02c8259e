"""Plain HTTP routes beside GraphQL (API layer, like ``schoolhub.graphql``): VNPay IPN and return
URL, the live-class browser page. Each module exports ``ROUTES``; ``app.py`` mounts them all."""

from schoolhub.web import payments, realtime

ROUTES = [*payments.ROUTES, *realtime.ROUTES]
