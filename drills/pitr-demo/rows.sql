-- Orders :first .. :first+99 in 5 transactions, 0.2 s apart: "rows
-- written over time" (psql autocommits each statement).
INSERT INTO orders (id, customer, note)
    SELECT g, 1 + g % 50, 'order ' || g FROM generate_series(:first, :first + 19) g;
SELECT pg_sleep(0.2);
INSERT INTO orders (id, customer, note)
    SELECT g, 1 + g % 50, 'order ' || g FROM generate_series(:first + 20, :first + 39) g;
SELECT pg_sleep(0.2);
INSERT INTO orders (id, customer, note)
    SELECT g, 1 + g % 50, 'order ' || g FROM generate_series(:first + 40, :first + 59) g;
SELECT pg_sleep(0.2);
INSERT INTO orders (id, customer, note)
    SELECT g, 1 + g % 50, 'order ' || g FROM generate_series(:first + 60, :first + 79) g;
SELECT pg_sleep(0.2);
INSERT INTO orders (id, customer, note)
    SELECT g, 1 + g % 50, 'order ' || g FROM generate_series(:first + 80, :first + 99) g;
