-- Corner Books online shop, PostgreSQL 15.
BEGIN;

CREATE TABLE customers (
    customer_id     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email           citext NOT NULL UNIQUE,
    password_digest text NOT NULL,
    given_name      text NOT NULL,
    family_name     text NOT NULL,
    phone_e164      varchar(16),
    marketing_consent boolean NOT NULL DEFAULT false,
    marketing_consent_at timestamptz,
    loyalty_points  integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    deleted_at      timestamptz
);

CREATE TABLE addresses (
    address_id   bigserial PRIMARY KEY,
    customer_id  uuid NOT NULL REFERENCES customers (customer_id) ON DELETE CASCADE,
    label        varchar(40),
    line1        text NOT NULL,
    line2        text,
    city         text NOT NULL,
    postal_code  varchar(12) NOT NULL,
    country_code char(2) NOT NULL
);

CREATE TABLE orders (
    order_id        bigserial PRIMARY KEY,
    customer_id     uuid REFERENCES customers (customer_id),
    shipping_address_id bigint REFERENCES addresses (address_id),
    status          varchar(20) NOT NULL DEFAULT 'pending',
    gift_message    varchar(500),
    delivery_instructions text,
    total_pence     integer NOT NULL,
    placed_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE books (
    isbn        char(13) PRIMARY KEY,
    title       text NOT NULL,
    author_name text NOT NULL,
    description text,
    price_pence integer NOT NULL
);

CREATE TABLE reviews (
    review_id   bigserial PRIMARY KEY,
    isbn        char(13) NOT NULL REFERENCES books (isbn),
    customer_id uuid NOT NULL REFERENCES customers (customer_id),
    rating      smallint CHECK (rating BETWEEN 1 AND 5),
    body        text,
    created_at  timestamptz DEFAULT now()
);

CREATE TABLE branches (
    branch_id smallserial PRIMARY KEY,
    name      text NOT NULL,
    street    text NOT NULL,
    postcode  varchar(10) NOT NULL,
    phone     varchar(20),
    latitude  double precision,
    longitude double precision
);

COMMIT;
