-- The "production" shop: customers and orders, each order stamped with
-- its commit-ish time (clock_timestamp() at insert).
CREATE DATABASE shop;
\connect shop
CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE orders (
    id int PRIMARY KEY,
    customer int NOT NULL REFERENCES customers(id),
    note text NOT NULL,
    written_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
INSERT INTO customers SELECT g, 'customer ' || g FROM generate_series(1, 50) g;
