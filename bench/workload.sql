-- The realistic workload of bench/run.sh: the sqlite3 shell on an in-memory database
-- (no disk I/O to blur the timings): inserts, an index build, joins and aggregates,
-- updates, deletes and a vacuum. Deterministic (no random()); ~1-3 s natively.
-- Run: sqlite3 < bench/workload.sql
PRAGMA cache_size = -65536;

CREATE TABLE customer (id INTEGER PRIMARY KEY, name TEXT, city TEXT, score REAL);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer INTEGER, item TEXT, qty INTEGER,
                     price REAL, note TEXT);

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
INSERT INTO customer
SELECT i, 'customer-' || i || '-' || substr('abcdefghijklmnopqrstuvwxyz', 1 + i % 26, 1 + i % 13),
       'city-' || (i * 7919 % 97), (i * 2654435761 % 100000) / 1000.0
FROM n;

WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 150000)
INSERT INTO orders
SELECT i, 1 + (i * 48271 % 20000), 'item-' || (i * 16807 % 5000), 1 + i % 9,
       (i * 69069 % 100000) / 100.0, printf('order %d for %s', i, hex(i * 31337))
FROM n;

CREATE INDEX orders_customer ON orders(customer);
CREATE INDEX orders_item ON orders(item, qty);
CREATE INDEX customer_city ON customer(city, score);

SELECT count(*), sum(qty), round(sum(qty * price), 2) FROM orders;

SELECT c.city, count(*) AS n, round(sum(o.qty * o.price), 2) AS revenue
FROM orders o JOIN customer c ON c.id = o.customer
GROUP BY c.city ORDER BY revenue DESC LIMIT 5;

SELECT item, count(*), avg(qty) FROM orders GROUP BY item ORDER BY 2 DESC, 1 LIMIT 5;

SELECT c.name, t.total FROM customer c
JOIN (SELECT customer, sum(qty * price) AS total FROM orders GROUP BY customer) t
  ON t.customer = c.id
ORDER BY t.total DESC LIMIT 5;

SELECT count(DISTINCT note) FROM orders WHERE note LIKE '%99%';

UPDATE orders SET qty = qty + 1, note = note || ' (revised)' WHERE id % 3 = 0;
UPDATE customer SET score = score * 1.1, name = upper(name) WHERE city IN ('city-1', 'city-2', 'city-3');
DELETE FROM orders WHERE id % 7 = 0;

SELECT count(*), sum(qty) FROM orders;
SELECT city, count(*) FROM customer GROUP BY city ORDER BY 2 DESC, 1 LIMIT 3;

VACUUM;
SELECT count(*) FROM orders o JOIN customer c ON c.id = o.customer WHERE c.score > 50;
