"""Shopping: carts and their lines, coupons, orders and their lines."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from app.tables.piccolo_migrations.sql import sql_migration

ID = "2026-11-26T05:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "carts, coupons, orders"

FORWARDS = """
CREATE TABLE cart (
    id                uuid PRIMARY KEY,
    tenant_id         uuid        NOT NULL REFERENCES tenant (id),
    user_id           uuid        NOT NULL REFERENCES app_user (id),
    created_at        timestamptz NOT NULL DEFAULT now(),
    last_activity_at  timestamptz NOT NULL DEFAULT now(),
    version           integer     NOT NULL DEFAULT 1,
    UNIQUE (tenant_id, user_id)
);

CREATE TABLE cart_item (
    id            uuid PRIMARY KEY,
    tenant_id     uuid          NOT NULL REFERENCES tenant (id),
    cart_id       uuid          NOT NULL REFERENCES cart (id) ON DELETE CASCADE,
    product_id    uuid          NOT NULL REFERENCES product (id),
    product_name  varchar(200)  NOT NULL,
    unit_price    numeric(12,2) NOT NULL CHECK (unit_price >= 0),
    quantity      integer       NOT NULL CHECK (quantity > 0),
    added_at      timestamptz   NOT NULL DEFAULT now(),
    UNIQUE (cart_id, product_id)
);
CREATE INDEX cart_item_product_idx ON cart_item (product_id);
-- The expiry sweep's work list: carts that hold reservations, by age.
CREATE INDEX cart_activity_idx ON cart (last_activity_at);

CREATE TABLE coupon (
    id                uuid PRIMARY KEY,
    tenant_id         uuid         NOT NULL REFERENCES tenant (id),
    code              varchar(50)  NOT NULL CHECK (code = upper(code) AND length(code) > 0),
    discount_percent  numeric(5,2) NOT NULL CHECK (discount_percent > 0 AND discount_percent <= 100),
    expires_at        timestamptz  NOT NULL,
    created_at        timestamptz  NOT NULL DEFAULT now(),
    version           integer      NOT NULL DEFAULT 1,
    UNIQUE (tenant_id, code)
);

CREATE SEQUENCE order_number_seq START 1001;

CREATE TABLE customer_order (
    id                 uuid PRIMARY KEY,
    tenant_id          uuid          NOT NULL REFERENCES tenant (id),
    number             bigint        NOT NULL UNIQUE,
    user_id            uuid          NOT NULL REFERENCES app_user (id),
    ship_street_line_1 varchar(200)  NOT NULL,
    ship_street_line_2 varchar(200),
    ship_city          varchar(100)  NOT NULL,
    ship_state         varchar(100)  NOT NULL,
    ship_postal_code   varchar(20)   NOT NULL,
    ship_country       varchar(2)    NOT NULL,
    verification_id    varchar(100)  NOT NULL,
    subtotal           numeric(12,2) NOT NULL CHECK (subtotal >= 0),
    coupon_id          uuid          REFERENCES coupon (id),
    coupon_code        varchar(50),
    discount           numeric(12,2) NOT NULL DEFAULT 0 CHECK (discount >= 0),
    total              numeric(12,2) NOT NULL CHECK (total >= 0 AND total = subtotal - discount),
    checkout_token     uuid,
    submitted_at       timestamptz   NOT NULL DEFAULT now(),
    version            integer       NOT NULL DEFAULT 1
);
CREATE INDEX customer_order_user_idx ON customer_order (tenant_id, user_id, submitted_at DESC);
CREATE INDEX customer_order_time_idx ON customer_order (tenant_id, submitted_at DESC);
-- Each customer may use a coupon once: the database says so too, whatever the code does.
CREATE UNIQUE INDEX customer_order_coupon_once_key ON customer_order (tenant_id, user_id, coupon_id)
    WHERE coupon_id IS NOT NULL;
-- A checkout form places at most one order.
CREATE UNIQUE INDEX customer_order_checkout_token_key ON customer_order (tenant_id, user_id, checkout_token)
    WHERE checkout_token IS NOT NULL;

CREATE TABLE order_item (
    id            uuid PRIMARY KEY,
    tenant_id     uuid          NOT NULL REFERENCES tenant (id),
    order_id      uuid          NOT NULL REFERENCES customer_order (id),
    product_id    uuid          NOT NULL REFERENCES product (id),
    product_name  varchar(200)  NOT NULL,
    unit_price    numeric(12,2) NOT NULL,
    quantity      integer       NOT NULL CHECK (quantity > 0),
    position      integer       NOT NULL
);
CREATE INDEX order_item_order_idx ON order_item (order_id, position);
CREATE INDEX order_item_product_idx ON order_item (product_id);
"""

BACKWARDS = """
DROP TABLE order_item, customer_order, coupon, cart_item, cart;
DROP SEQUENCE order_number_seq;
"""


async def forwards() -> MigrationManager:
    return sql_migration(ID, DESCRIPTION, FORWARDS, BACKWARDS)
