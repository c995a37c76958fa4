"""Product administration: create, edit, soft delete and restore (admin only)."""

from __future__ import annotations

from uuid import UUID

from app.domain.errors import Conflict, DuplicateProductName, ProductNotFound, StaleVersion
from app.domain.products import Product
from app.domain.users import Capability, UserContext
from app.services.authorization import require
from app.services.idempotency import IdempotentRequest, claim_or_replay, remember_answer
from app.services.ports import UnitOfWork, UnitOfWorkFactory


class ProductInCart(Conflict):
    code = "product_in_cart"

    def __init__(self) -> None:
        super().__init__("Cannot delete product: Product is currently in a cart")


class ProductAdminService:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def create_product(
        self,
        user: UserContext,
        *,
        name: object,
        price: object,
        stock_quantity: object,
        idempotency: IdempotentRequest | None = None,
    ) -> Product:
        """With `idempotency` (API v2), the key's record commits with the product: a repeat raises
        AlreadyAnswered with the first answer (app.services.idempotency); a refusal leaves the key usable."""
        require(
            user,
            Capability.PRODUCTS_CREATE,
            action="create_product",
            reason="Only administrators can create products",
        )
        async with self._uow(user) as uow:
            await claim_or_replay(uow, user.user_id, idempotency)
            product = Product.create(tenant_id=user.tenant_id, name=name, price=price, stock_quantity=stock_quantity)
            if await uow.products.live_name_taken(product.name):
                raise DuplicateProductName(product.name)
            uow.products.add(product)
            remember_answer(uow, user.user_id, idempotency, product)
            await uow.commit()
        return product

    async def update_product(
        self,
        user: UserContext,
        product_id: UUID,
        *,
        expected_version: int,
        name: object = None,
        price: object = None,
        stock_quantity: object = None,
        description: object = None,
        idempotency: IdempotentRequest | None = None,
    ) -> Product:
        """Edit against the version the admin saw: a newer version means someone else changed it (StaleVersion).

        With `idempotency` (API v2's optional key), the key is claimed before the version is compared and its
        record commits with the edit: a repeat raises AlreadyAnswered with the first answer."""
        require(
            user, Capability.PRODUCTS_CREATE, action="update_product", reason="Only administrators can edit products"
        )
        async with self._uow(user) as uow:
            await claim_or_replay(uow, user.user_id, idempotency)
            product = await uow.products.get(product_id)
            if product is None:
                raise ProductNotFound(product_id)
            if product.version != expected_version:
                raise StaleVersion("product", product_id)
            product.update(name=name, price=price, stock_quantity=stock_quantity, description=description)
            renamed_live = name is not None and not product.is_deleted
            if renamed_live and await uow.products.live_name_taken(product.name, excluding=product.id):
                raise DuplicateProductName(product.name)
            remember_answer(uow, user.user_id, idempotency, product)
            await uow.commit()  # UPDATE … WHERE version = expected: a concurrent edit raises StaleVersion
        return product

    async def delete_product(
        self,
        user: UserContext,
        product_id: UUID,
        *,
        expected_version: int | None = None,
        idempotency: IdempotentRequest | None = None,
    ) -> Product:
        """Soft delete; refused while the product is in any cart (its stock is reserved there).

        With `expected_version`, only the version the caller saw is deleted (StaleVersion otherwise).
        With `idempotency`, the key's record commits with the deletion (claimed before the version check).
        """
        require(
            user, Capability.PRODUCTS_DELETE, action="delete_product", reason="Only administrators can delete products"
        )
        async with self._uow(user) as uow:
            await claim_or_replay(uow, user.user_id, idempotency)
            product = await locked_product(uow, product_id, expected_version)
            product.soft_delete()
            if await uow.carts.product_in_any_cart(product_id):
                raise ProductInCart()
            remember_answer(uow, user.user_id, idempotency, product)
            await uow.commit()
        return product

    async def restore_product(self, user: UserContext, product_id: UUID) -> Product:
        require(
            user,
            Capability.PRODUCTS_RESTORE,
            action="restore_product",
            reason="Only administrators can restore products",
        )
        async with self._uow(user) as uow:
            product = await uow.products.get_for_update(product_id)
            if product is None:
                raise ProductNotFound(product_id)
            product.restore()
            if await uow.products.live_name_taken(product.name, excluding=product.id):
                raise DuplicateProductName(product.name)
            await uow.commit()
        return product


async def locked_product(uow: UnitOfWork, product_id: UUID, expected_version: int | None) -> Product:
    """The product, locked for `uow`; with `expected_version`, StaleVersion if it has moved past the version seen."""
    product = await uow.products.get_for_update(product_id)
    if product is None:
        raise ProductNotFound(product_id)
    if expected_version is not None and product.version != expected_version:
        raise StaleVersion("product", product_id)
    return product
