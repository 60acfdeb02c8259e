"""Per-request dataloaders. Each batch goes through a service with the caller's principal, so a
loader can never return something the caller could not have fetched directly."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from strawberry.dataloader import DataLoader

from schoolhub.identity import users as user_service
from schoolhub.platform.principal import Principal
from schoolhub.tenants import service as tenants


class Loaders:
    def __init__(self, principal: Callable[[], Principal]) -> None:
        self._principal = principal

        async def load_schools(ids: list[UUID]) -> list[dict[str, Any] | None]:
            found = await tenants.get_schools(self._principal(), ids)
            return [found.get(i) for i in ids]

        async def load_users(ids: list[UUID]) -> list[dict[str, Any] | None]:
            found = await user_service.visible_users(self._principal(), ids)
            return [found.get(i) for i in ids]

        async def load_org_units(ids: list[UUID]) -> list[dict[str, Any] | None]:
            units = {u["id"]: u for u in await tenants.list_org_units(self._principal())}
            return [units.get(i) for i in ids]

        self.school = DataLoader(load_fn=load_schools)
        self.user = DataLoader(load_fn=load_users)
        self.org_unit = DataLoader(load_fn=load_org_units)
