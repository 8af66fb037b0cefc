# bench/scale-seed-sqlite.py DATABASE FIRST COUNT — seeds COUNT token rows (and their audit events) for bench/scale.sh,
# generated inside SQLite in one transaction: copies of the first stored token (a real one's payload, client and
# subject) with their own time-ordered ids, reference digests and dates, ten milliseconds apart from nine days back.
import sqlite3
import sys
import time

db, first, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
c = sqlite3.connect(db)
c.execute("PRAGMA journal_mode=WAL")
start = int(time.time() * 1000) - 9 * 86400_000 + first * 10
with c:
    c.execute("DROP TABLE IF EXISTS temp.seed")
    # Materialized, so each row's random part is drawn once and used for every column built from it.
    c.execute("""
        CREATE TEMP TABLE seed AS
        WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ? - 1),
        r AS MATERIALIZED (SELECT ? + i * 10 AS ms, printf('%012x', ? + i * 10) AS h, lower(hex(randomblob(10))) AS x FROM n)
        SELECT ms,
               substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-7' || substr(x, 1, 3) || '-' || substr(x, 4, 4) || '-' || substr(x, 8, 12) AS id,
               strftime('%Y-%m-%d %H:%M:%S', ms / 1000, 'unixepoch') AS created,
               strftime('%Y-%m-%d %H:%M:%S', ms / 1000 + 7 * 86400, 'unixepoch') AS expires,
               substr(lower(hex(randomblob(33))), 1, 44) AS reference
        FROM r""", (count, start, start))
    c.execute("""
        INSERT INTO OpenIddictTokens (Id, ApplicationId, ConcurrencyToken, CreationDate, ExpirationDate, Payload, ReferenceId, Status, Subject, Type)
        SELECT s.id, t.ApplicationId, lower(hex(randomblob(16))), s.created, s.expires, t.Payload, s.reference, 'valid', t.Subject, t.Type
        FROM seed s, (SELECT * FROM OpenIddictTokens ORDER BY CreationDate LIMIT 1) t""")
    c.execute("""
        INSERT INTO AuditEvents (At, OrganizationId, Kind, Actor, Target, Detail, Address)
        SELECT s.ms, a.OrganizationId, a.Kind, a.Actor, 'token:' || s.id, a.Detail, a.Address
        FROM seed s, (SELECT * FROM AuditEvents WHERE Kind = 'token_issued' ORDER BY Id LIMIT 1) a""")
