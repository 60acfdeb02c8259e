"""Imports every domain's ``tasks`` module so their outbox handlers are registered in workers."""

import schoolhub.payments.tasks
import schoolhub.realtime.tasks
import schoolhub.tenants.tasks
import schoolhub.workspace.tasks  # noqa: F401
