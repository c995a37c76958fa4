"""Product administration: create, edit, soft delete and restore (admin only)."""

from __future__ import annotations

from app.domain.errors import DuplicateProductName
from app.domain.products import Product
from app.domain.users import Capability, UserContext
from app.services.authorization import require
from app.services.ports import UnitOfWorkFactory


class ProductAdminService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def create_product(
        self, user: UserContext, *, name: object, price: object, stock_quantity: object
    ) -> Product:
        require(
            user,
            Capability.PRODUCTS_CREATE,
            action="create_product",
            reason="Only administrators can create products",
        )
        product = Product.create(tenant_id=user.tenant_id, name=name, price=price, stock_quantity=stock_quantity)
        async with self._uow(user) as uow:
            if await uow.products.live_name_taken(product.name):
                raise DuplicateProductName(product.name)
            uow.products.add(product)
            await uow.commit()
        return product
