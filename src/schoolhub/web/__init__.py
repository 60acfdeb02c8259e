"""Plain HTTP routes beside GraphQL (API layer, like ``schoolhub.graphql``): VNPay IPN and return
URL, file uploads and downloads, the live-class browser page. Each module exports ``ROUTES``;
``app.py`` mounts them all."""

from schoolhub.web import payments, realtime, workspace_documents, workspace_people

ROUTES = [
    *payments.ROUTES,
    *realtime.ROUTES,
    *workspace_people.ROUTES,
    *workspace_documents.ROUTES,
]
