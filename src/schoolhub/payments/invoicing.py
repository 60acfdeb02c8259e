"""Pure invoicing rules: installments, which plans apply, reductions and sibling discounts.

Reductions never exceed the charge they reduce; integer VND throughout (floor on percentages).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID


def split_installments(amount: int, count: int) -> list[int]:
    """Integer split; the remainder goes to the first installment (sum is exact)."""
    base, rest = divmod(amount, count)
    return [base + rest] + [base] * (count - 1)


def _applies(plan: dict[str, Any], student: dict[str, Any]) -> bool:
    return bool(
        (plan["target"] == "grade" and plan["grade"] == student["grade"])
        or (plan["target"] == "class" and plan["class_id"] == student["class_id"])
        or (plan["target"] == "student" and plan["student_id"] == student["id"])
    )


def sibling_ranks(
    links: list[dict[str, Any]], students: dict[UUID, dict[str, Any]]
) -> dict[UUID, int]:
    """1-based rank of each student among the children of any guardian they share."""
    by_guardian: dict[UUID, list[UUID]] = {}
    for link in links:
        by_guardian.setdefault(link["guardian_user_id"], []).append(link["student_id"])
    ranks: dict[UUID, int] = {}
    for kids in by_guardian.values():
        ordered = sorted(
            set(kids), key=lambda s: students[s]["student_code"] if s in students else ""
        )
        for i, kid in enumerate(ordered, start=1):
            ranks[kid] = max(ranks.get(kid, 1), i)
    return ranks


def invoice_lines(
    student: dict[str, Any],
    plans: list[dict[str, Any]],
    exemptions: list[dict[str, Any]],
    rule: dict[str, Any] | None,
    rank: int,
    installment: int,
) -> list[tuple[UUID | None, str, str, int]]:
    """(fee_item_id, kind, description, amount) for one student; reductions never exceed charges."""
    lines: list[tuple[UUID | None, str, str, int]] = []
    seen: set[UUID] = set()
    for plan in plans:
        if plan["fee_item_id"] in seen or not _applies(plan, student):
            continue
        if installment > plan["installments"]:
            continue
        seen.add(plan["fee_item_id"])
        charge = split_installments(plan["amount_vnd"], plan["installments"])[installment - 1]
        lines.append((plan["fee_item_id"], "charge", plan["item_name"], charge))
        remaining = charge
        for ex in exemptions:
            if ex["fee_item_id"] not in (None, plan["fee_item_id"]) or remaining <= 0:
                continue
            off = remaining * ex["value"] // 100 if ex["kind"] == "percent" else ex["value"]
            off = min(off, remaining)
            if off > 0:
                lines.append((plan["fee_item_id"], "exemption", f"Miễn giảm: {ex['reason']}", -off))
                remaining -= off
        if (
            rule is not None
            and rank >= rule["from_child"]
            and remaining > 0
            and (not rule["categories"] or plan["category"] in rule["categories"])
        ):
            off = remaining * rule["percent"] // 100
            if off > 0:
                lines.append((plan["fee_item_id"], "sibling_discount", "Giảm anh chị em", -off))
    return lines
