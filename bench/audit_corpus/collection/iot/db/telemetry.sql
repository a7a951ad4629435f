-- Greenhouse sensor network, TimescaleDB.
CREATE TABLE sites (
    site_id     serial PRIMARY KEY,
    name        text NOT NULL,
    street_address text,
    latitude    double precision NOT NULL,
    longitude   double precision NOT NULL,
    timezone    text NOT NULL DEFAULT 'Europe/Amsterdam'
);

CREATE TABLE gateways (
    gateway_id  text PRIMARY KEY,
    site_id     integer NOT NULL REFERENCES sites (site_id),
    mac_address macaddr NOT NULL,
    firmware_version text,
    last_seen_ip inet,
    health      text CHECK (health IN ('ok', 'degraded', 'down'))
);

CREATE TABLE sensors (
    sensor_id   text PRIMARY KEY,
    gateway_id  text NOT NULL REFERENCES gateways (gateway_id),
    kind        text NOT NULL,
    calibration_notes text
);

CREATE TABLE readings (
    sensor_id   text NOT NULL REFERENCES sensors (sensor_id),
    at          timestamptz NOT NULL,
    value       double precision NOT NULL,
    PRIMARY KEY (sensor_id, at)
);

CREATE TABLE operators (
    operator_id serial PRIMARY KEY,
    username    text NOT NULL UNIQUE,
    email       text NOT NULL,
    api_key_hash text NOT NULL,
    notify_by_sms boolean DEFAULT false
);

CREATE TABLE alert_rules (
    rule_id     serial PRIMARY KEY,
    sensor_id   text REFERENCES sensors (sensor_id),
    threshold   double precision,
    notify_email text,
    message_template text
);
