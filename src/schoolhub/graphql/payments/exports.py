"""GraphQL of the XLSX report exports: each returns a signed, expiring download link."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from schoolhub.graphql import ids
from schoolhub.graphql.errors import UserError
from schoolhub.payments import report_exports
from schoolhub.platform.errors import DomainError


@strawberry.type
class ReportExportPayload:
    url: str | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ExportQueries:
    @strawberry.field(description="Principal/accountant: the collection report as XLSX (link).")
    async def payments_report_export(
        self, info: Info, school_id: strawberry.ID, period: str | None = None
    ) -> ReportExportPayload:
        principal = info.context.require_principal()
        try:
            school = ids.decode(school_id, "School", "schoolId")
            url = await report_exports.export_school(principal, school, period=period)
        except DomainError as exc:
            return ReportExportPayload(errors=[UserError.of(exc)])
        return ReportExportPayload(url=url)

    @strawberry.field(description="District office: totals per school as XLSX (audit-logged).")
    async def district_payments_report_export(
        self, info: Info, org_unit_id: strawberry.ID
    ) -> ReportExportPayload:
        principal = info.context.require_principal()
        try:
            unit = ids.decode(org_unit_id, "OrgUnit", "orgUnitId")
            url = await report_exports.export_district(principal, unit)
        except DomainError as exc:
            return ReportExportPayload(errors=[UserError.of(exc)])
        return ReportExportPayload(url=url)
