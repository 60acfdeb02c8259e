"""Query limits as validation rules, so rejections are ordinary validation errors with codes.

Depth, aliases and cost are computed per operation with fragments expanded (cycles are already an
error of graphql-core's own rules). Introspection subtrees are not counted: in production
introspection is switched off altogether. Cost: every field costs 1, and a field with a ``first`` or
``last`` argument multiplies the cost of its selection by that number (default page size otherwise),
the way GitHub's API prices connections.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationContext,
    ValidationRule,
    VariableNode,
)

DEFAULT_PAGE = 20
MAX_PAGE = 100


@dataclass(frozen=True)
class Limits:
    max_depth: int = 10
    max_aliases: int = 15
    max_cost: int = 5000
    max_tokens: int = 2000


@dataclass
class _Stats:
    depth: int = 0
    aliases: int = 0
    cost: int = 0


def _page_size(field: FieldNode, variables: dict[str, Any]) -> int:
    for arg in field.arguments or ():
        if arg.name.value in ("first", "last"):
            value = arg.value
            if isinstance(value, IntValueNode):
                return max(1, min(int(value.value), MAX_PAGE))
            if isinstance(value, VariableNode):
                raw = variables.get(value.name.value)
                if isinstance(raw, int):
                    return max(1, min(raw, MAX_PAGE))
            return MAX_PAGE
    return 1


class _Walker:
    def __init__(
        self, fragments: dict[str, FragmentDefinitionNode], variables: dict[str, Any]
    ) -> None:
        self.fragments = fragments
        self.variables = variables
        self.stats = _Stats()

    def walk(
        self,
        selection_set: SelectionSetNode | None,
        depth: int,
        multiplier: int,
        seen: frozenset[str],
    ) -> None:
        if selection_set is None:
            return
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.alias is not None:
                    self.stats.aliases += 1
                if selection.name.value.startswith("__"):
                    continue
                self.stats.depth = max(self.stats.depth, depth)
                self.stats.cost += multiplier
                if selection.selection_set is not None:
                    self.walk(
                        selection.selection_set,
                        depth + 1,
                        multiplier * _page_size(selection, self.variables),
                        seen,
                    )
            elif isinstance(selection, InlineFragmentNode):
                self.walk(selection.selection_set, depth, multiplier, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is not None and name not in seen:
                    self.walk(fragment.selection_set, depth, multiplier, seen | {name})


def make_rule(limits: Limits, variables_getter: Any = None) -> type[ValidationRule]:
    class QueryLimitsRule(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            ctx: ValidationContext = self.context
            fragments = {
                d.name.value: d
                for d in ctx.document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            variables = variables_getter() if variables_getter else {}
            walker = _Walker(fragments, variables or {})
            walker.walk(node.selection_set, 1, 1, frozenset())
            s = walker.stats
            if s.depth > limits.max_depth:
                ctx.report_error(
                    GraphQLError(
                        f"query depth {s.depth} exceeds the limit of {limits.max_depth}",
                        node,
                        extensions={"code": "QUERY_TOO_DEEP", "limit": limits.max_depth},
                    )
                )
            if s.aliases > limits.max_aliases:
                ctx.report_error(
                    GraphQLError(
                        f"{s.aliases} aliases exceed the limit of {limits.max_aliases}",
                        node,
                        extensions={"code": "TOO_MANY_ALIASES", "limit": limits.max_aliases},
                    )
                )
            if s.cost > limits.max_cost:
                ctx.report_error(
                    GraphQLError(
                        f"query cost {s.cost} exceeds the limit of {limits.max_cost}",
                        node,
                        extensions={"code": "QUERY_TOO_COMPLEX", "limit": limits.max_cost},
                    )
                )

    return QueryLimitsRule


class NoIntrospectionRule(ValidationRule):
    """Production: reject ``__schema`` and ``__type`` (``__typename`` stays allowed)."""

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        if node.name.value in ("__schema", "__type"):
            self.context.report_error(
                GraphQLError(
                    "introspection is disabled", node, extensions={"code": "INTROSPECTION_DISABLED"}
                )
            )
