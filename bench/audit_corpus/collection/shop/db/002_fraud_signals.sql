-- Payment fraud signals requested by the PSP integration.
ALTER TABLE orders
    ADD COLUMN client_ip inet,
    ADD COLUMN device_fingerprint varchar(64),
    ADD COLUMN card_bin char(6);

CREATE INDEX orders_client_ip_idx ON orders (client_ip);
