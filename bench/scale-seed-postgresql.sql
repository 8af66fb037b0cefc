-- bench/scale-seed-postgresql.sql (psql -v first=N -v count=N) — seeds :count token rows (and their audit events) for
-- bench/scale.sh, generated inside PostgreSQL in one transaction: copies of the first stored token (a real one's
-- payload, client and subject) with their own time-ordered ids, reference digests and dates, ten milliseconds apart
-- from nine days back.
BEGIN;
CREATE TEMP TABLE seed ON COMMIT DROP AS
  SELECT ms,
         substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-7' || substr(x, 1, 3) || '-' || substr(x, 4, 4) || '-' || substr(x, 8, 12) AS id,
         to_timestamp(ms / 1000.0) AS created, to_timestamp(ms / 1000.0) + interval '7 days' AS expires,
         encode(sha256(convert_to(x, 'UTF8')), 'base64') AS reference
  FROM (SELECT ms, lpad(to_hex(ms), 12, '0') AS h, md5(random()::text) AS x
        FROM (SELECT (extract(epoch FROM now()) * 1000)::bigint - 9 * 86400000 + (:first + i) * 10 AS ms
              FROM generate_series(0, :count - 1) i) g) r;
INSERT INTO "OpenIddictTokens" ("Id", "ApplicationId", "ConcurrencyToken", "CreationDate", "ExpirationDate", "Payload", "ReferenceId", "Status", "Subject", "Type")
  SELECT s.id, t."ApplicationId", md5(random()::text), s.created, s.expires, t."Payload", s.reference, 'valid', t."Subject", t."Type"
  FROM seed s, (SELECT * FROM "OpenIddictTokens" ORDER BY "CreationDate" LIMIT 1) t;
INSERT INTO "AuditEvents" ("At", "OrganizationId", "Kind", "Actor", "Target", "Detail", "Address")
  SELECT s.ms, a."OrganizationId", a."Kind", a."Actor", 'token:' || s.id, a."Detail", a."Address"
  FROM seed s, (SELECT * FROM "AuditEvents" WHERE "Kind" = 'token_issued' ORDER BY "Id" LIMIT 1) a;
COMMIT;
