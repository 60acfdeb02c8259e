"""XLSX exports: download through the signed link (as the caller), open with openpyxl, check totals;
the district export holds totals per school only and is audit-logged."""

from __future__ import annotations

import io
from typing import Any

import httpx
from openpyxl import load_workbook

from schoolhub.graphql import ids
from schoolhub.payments.reports_render import SHEET_DETAIL, SHEET_DISTRICT, TOTAL_LABEL
from schoolhub.platform import db
from tests.graphql.payments.test_payments_matrix import _ctx, paid_intent
from tests.support import payments as pay
from tests.support.gql import GraphQLClient

SCHOOL = "query($s: ID!) { paymentsReportExport(schoolId: $s) { url errors { code } } }"
DISTRICT = "query($o: ID!) { districtPaymentsReportExport(orgUnitId: $o) { url errors { code } } }"


async def _download(app: httpx.AsyncClient, url: str, token: str) -> Any:
    response = await app.get(url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    return load_workbook(io.BytesIO(response.content))


def _total_row(sheet: Any) -> list[Any]:
    for row in sheet.iter_rows(values_only=True):
        if TOTAL_LABEL in row:
            return list(row)
    raise AssertionError("no totals row")


async def test_school_export_totals_match(gql: GraphQLClient, app: httpx.AsyncClient) -> None:
    fam = await pay.family()
    ctx = await _ctx(fam)
    await paid_intent(gql, fam, ctx)  # the guardian paid both children's meals in A
    token = await gql.token(fam.a.logins["accountant"])
    got = (await gql.ok(SCHOOL, {"s": ctx["school"]}, token))["paymentsReportExport"]
    assert got["errors"] == [] and got["url"]
    book = await _download(app, got["url"], token)
    totals = _total_row(book[SHEET_DETAIL])
    due, collected = [v for v in totals if isinstance(v, int)][:2]
    assert (due, collected) == (3 * pay.MEAL_FEE, 2 * pay.MEAL_FEE)
    names = {c for row in book[SHEET_DETAIL].iter_rows(values_only=True) for c in row}
    assert "Con nhà khác" in names
    # Another school's principal cannot open the link.
    outsider = await gql.token(fam.b.logins["principal"])
    response = await app.get(got["url"], headers={"Authorization": f"Bearer {outsider}"})
    assert response.status_code == 404


async def test_district_export_has_school_totals_only_and_is_audited(
    gql: GraphQLClient, app: httpx.AsyncClient
) -> None:
    fam = await pay.family()
    ctx = await _ctx(fam)
    await paid_intent(gql, fam, ctx)
    token = await gql.token(fam.a.logins["district_admin"])
    got = (await gql.ok(DISTRICT, {"o": ctx["district"]}, token))["districtPaymentsReportExport"]
    assert got["errors"] == [] and got["url"]
    book = await _download(app, got["url"], token)
    assert book.sheetnames == [SHEET_DISTRICT]
    cells = {c for row in book[SHEET_DISTRICT].iter_rows(values_only=True) for c in row}
    assert fam.a.code in cells and fam.b.code not in cells
    assert "Con nhà khác" not in cells
    totals = _total_row(book[SHEET_DISTRICT])
    students, due, collected = [v for v in totals if isinstance(v, int)][:3]
    assert (students, due, collected) == (3, 3 * pay.MEAL_FEE, 2 * pay.MEAL_FEE)
    async with db.system():
        logged = await db.fetch(
            "SELECT target_id FROM platform_audit_log"
            " WHERE action = 'payments.district_report_exported'"
        )
    assert [r["target_id"] for r in logged] == [str(ids.decode(ctx["district"], "OrgUnit"))]
    # A school principal (no office grant) gets nothing.
    principal = await gql.token(fam.a.logins["principal"])
    denied = await gql.ok(DISTRICT, {"o": ctx["district"]}, principal)
    assert denied["districtPaymentsReportExport"]["url"] is None
