"""Schema migrations: ordered, hand-written SQL applied by the owner role.

Why SQL rather than piccolo's auto-migrations: the schema's safety lives in row-level security
policies, roles, grants, composite foreign keys and SECURITY DEFINER functions, none of which piccolo's
auto-migrations model (they diff columns only, STACK.md §2). The piccolo ``Table`` classes describe the
same columns for querying, and ``tests/integration/test_schema.py`` fails when they drift apart.
"""
