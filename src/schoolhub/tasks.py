"""Imports every domain's ``tasks`` module so their outbox handlers are registered in workers."""

import schoolhub.tenants.tasks  # noqa: F401
