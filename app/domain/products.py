"""The Product aggregate: what is sold, at what price, and how much stock is left to reserve."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from app.domain.aggregate import Aggregate
from app.domain.errors import InsufficientStock, ProductAlreadyDeleted, ProductNotDeleted, ValidationError
from app.domain.events import (
    ProductCreated,
    ProductDeleted,
    ProductImageUploaded,
    ProductRestored,
    ProductUpdated,
    StockReleased,
    StockReserved,
    utc_now,
)
from app.domain.images import NormalisedImage
from app.domain.parsing import is_storable, parse_price, whole_number
from app.domain.validation import validate_fields

NAME_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 2000
MAX_STOCK = 2_147_483_647


def validate_name(raw: object) -> str:
    name = raw.strip() if isinstance(raw, str) else ""
    if not name:
        raise ValidationError("name", "Name is required")
    if not is_storable(name):
        raise ValidationError("name", "Name contains characters that cannot be stored")
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError("name", f"Name must be at most {NAME_MAX_LENGTH} characters")
    return name


def validate_description(raw: object) -> str:
    description = raw.strip() if isinstance(raw, str) else ""
    if not is_storable(description):
        raise ValidationError("description", "Description contains characters that cannot be stored")
    if len(description) > DESCRIPTION_MAX_LENGTH:
        raise ValidationError("description", f"Description must be at most {DESCRIPTION_MAX_LENGTH:,} characters")
    return description


def validate_stock(raw: object, field: str = "stock_quantity") -> int:
    return whole_number(raw, field=field, label="Stock", minimum=0, maximum=MAX_STOCK)


@dataclass(kw_only=True)
class Product(Aggregate):
    name: str
    price: Decimal
    stock_quantity: int
    """Unreserved stock: what shoppers can still add to a cart."""
    description: str = ""
    image_key: str | None = None
    """The picture's name in the image store (`ImageName`), made by the shop; None until one is uploaded."""
    image_width: int | None = None
    image_height: int | None = None
    created_at: datetime = field(default_factory=utc_now)
    deleted_at: datetime | None = None
    thumbnails_key: str | None = None
    """Read, never changed here: the picture whose thumbnails the worker has made (derived data, no version)."""

    @property
    def thumbnails_ready(self) -> bool:
        """The worker has made the thumbnails of the current picture (as ProductView.thumbnails_ready says)."""
        return self.image_key is not None and self.thumbnails_key == self.image_key

    @classmethod
    def create(cls, *, tenant_id: UUID, name: object, price: object, stock_quantity: object) -> Product:
        values = validate_fields(
            name=lambda: validate_name(name),
            price=lambda: parse_price(price),
            stock_quantity=lambda: validate_stock(stock_quantity),
        )
        product = cls(id=uuid4(), tenant_id=tenant_id, **values)
        product.record(
            ProductCreated(
                aggregate_id=product.id,
                name=product.name,
                price=product.price,
                stock_quantity=product.stock_quantity,
            )
        )
        return product

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    def update(
        self, *, name: object = None, price: object = None, stock_quantity: object = None, description: object = None
    ) -> None:
        """Rename, reprice, restock and/or redescribe in one change; records one ProductUpdated if anything changed."""
        changes: dict[str, Any] = {}
        if name is not None:
            new_name = validate_name(name)
            if new_name != self.name:
                changes["name"] = {"from": self.name, "to": new_name}
                self.name = new_name
        if price is not None:
            new_price = parse_price(price)
            if new_price != self.price:
                changes["price"] = {"from": str(self.price), "to": str(new_price)}
                self.price = new_price
        if stock_quantity is not None:
            new_stock = validate_stock(stock_quantity)
            if new_stock != self.stock_quantity:
                changes["stock_quantity"] = {"from": self.stock_quantity, "to": new_stock}
                self.stock_quantity = new_stock
        if description is not None:
            new_description = validate_description(description)
            if new_description != self.description:
                changes["description"] = {"from": self.description, "to": new_description}
                self.description = new_description
        if changes:
            self.record(ProductUpdated(aggregate_id=self.id, changes=changes))

    def show_image(self, image_key: str, image: NormalisedImage) -> None:
        """The stored picture `image_key` (already checked and re-encoded) becomes the product's picture."""
        replaced = self.image_key
        self.image_key, self.image_width, self.image_height = image_key, image.width, image.height
        self.record(
            ProductImageUploaded(
                aggregate_id=self.id,
                image_key=image_key,
                width=image.width,
                height=image.height,
                replaced_key=replaced,
            )
        )

    def check_stock(self, quantity: int) -> None:
        """Refuses a reservation of `quantity` that this product cannot give, without making it."""
        if self.is_deleted:
            raise ValidationError("product_id", "This product is no longer available")
        if quantity > self.stock_quantity:
            raise InsufficientStock(self.id, self.name, quantity, self.stock_quantity)

    def reserve_stock(self, quantity: int) -> None:
        """`quantity` is a line's quantity, already checked by the cart (`app.domain.carts.parse_quantity`)."""
        self.check_stock(quantity)
        self.stock_quantity -= quantity
        self.record(StockReserved(aggregate_id=self.id, quantity=quantity, stock_left=self.stock_quantity))

    def release_stock(self, quantity: int) -> None:
        self.stock_quantity += quantity
        self.record(StockReleased(aggregate_id=self.id, quantity=quantity, stock_left=self.stock_quantity))

    def soft_delete(self, now: datetime | None = None) -> None:
        if self.is_deleted:
            raise ProductAlreadyDeleted(self.id)
        self.deleted_at = now or utc_now()
        self.record(ProductDeleted(aggregate_id=self.id, name=self.name))

    def restore(self) -> None:
        if not self.is_deleted:
            raise ProductNotDeleted(self.id)
        self.deleted_at = None
        self.record(ProductRestored(aggregate_id=self.id, name=self.name))
