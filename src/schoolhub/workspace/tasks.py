"""Outbox handlers of the workspace domain: one module per area."""

import schoolhub.workspace.attendance.tasks
import schoolhub.workspace.documents.tasks
import schoolhub.workspace.people.tasks
import schoolhub.workspace.structure.tasks  # noqa: F401
