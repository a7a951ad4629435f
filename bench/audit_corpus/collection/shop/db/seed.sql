-- Development seed data. Never load in production.
INSERT INTO books (isbn, title, author_name, description, price_pence) VALUES
  ('9780141439518', 'Pride and Prejudice', 'Jane Austen', 'A classic of manners.', 799),
  ('9780261103573', 'The Fellowship of the Ring', 'J. R. R. Tolkien', 'The first volume.', 1099);

INSERT INTO customers (email, password_digest, given_name, family_name, phone_e164) VALUES
  ('dev.one@example.com', '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA', 'Dev', 'One', '+447700900123');

INSERT INTO addresses (customer_id, label, line1, city, postal_code, country_code)
SELECT customer_id, 'home', '1 Test Street', 'Leeds', 'LS1 1AA', 'GB' FROM customers LIMIT 1;

INSERT INTO orders (customer_id, status, gift_message, delivery_instructions, total_pence)
SELECT customer_id, 'paid', 'Happy birthday!', 'Leave with neighbour at no. 3, tel 07700 900456', 1099 FROM customers LIMIT 1;

INSERT INTO reviews (isbn, customer_id, rating, body)
SELECT '9780141439518', customer_id, 5, 'Loved it' FROM customers LIMIT 1;
