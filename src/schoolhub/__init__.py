"""SchoolHub: one multi-tenant GraphQL backend that serves every school of a province."""

__version__ = "0.1.0"
