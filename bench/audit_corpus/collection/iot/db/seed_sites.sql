INSERT INTO sites (name, street_address, latitude, longitude) VALUES
  ('Westland 1', 'Naaldwijkseweg 12, 2691 PA', 51.99, 4.21),
  ('Westland 2', 'Poeldijkseweg 3, 2685 LB', 52.01, 4.23);
INSERT INTO gateways (gateway_id, site_id, mac_address, firmware_version, last_seen_ip, health) VALUES
  ('gw-001', 1, '00:1a:2b:3c:4d:5e', '2.14.1.0', '10.20.0.11', 'ok');
INSERT INTO alert_rules (sensor_id, threshold, notify_email, message_template) VALUES
  ('t-17', 31.5, 'ops@greenhouse.example', 'Temperature {value} above {threshold} at {site}');
