using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using OpenIddict.EntityFrameworkCore.Models;
using TokenService.Data;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace TokenService.Database;

/// <summary>
/// "<c>?revoke_tokens=true</c> also revokes every token issued to that client" (CONTRACT §2), without a gap. A
/// secret verified a moment before its regeneration may still be used to issue a token: on another instance for up to
/// the second its memory of the client lasts, on any instance between reading the client's row and committing the
/// token's. A sweep of the client's tokens at regeneration cannot see such a token, whose row commits later. So the
/// rule is kept where every token row is written: each regeneration that revokes tokens records, on the client's row,
/// a fingerprint of the hash it replaced; the writer re-reads the client's row under lock, in the transaction that
/// inserts the rows, and stores revoked a token whose secret was verified against a hash so replaced. Ordered either
/// way, the token is revoked: its commit comes after the regeneration's (it sees the record) or before it (the
/// regeneration's sweep, which waits for the lock, sees its row). It is still answered — as if issued just before the
/// regeneration and revoked by it — since the request was well formed and authenticated when it was checked.
/// </summary>
public static class ReplacedSecrets
{
    /// <summary>On the client's row (OpenIddict's <c>Properties</c>): fingerprints of hashes replaced by revoking regenerations.</summary>
    private const string RevokedProperty = "tokenservice_revoked_secret_hashes";

    /// <summary>
    /// How many replaced hashes a client's row remembers. A token can only reach the writer within about a second of
    /// its secret's replacement; it would take this many revoking regenerations of one client within that second to
    /// push its hash out.
    /// </summary>
    private const int Remembered = 8;

    /// <summary>
    /// Records, on the client's row about to get a new secret, the hash being replaced when the regeneration revokes
    /// the client's tokens. A regeneration that keeps them records nothing and forgets nothing.
    /// </summary>
    public static void MarkRegeneration(OpenIddictEntityFrameworkCoreApplication application, bool revokeTokens)
    {
        ArgumentNullException.ThrowIfNull(application);
        if (!revokeTokens || application.ClientSecret is not { } replaced)
        {
            return;
        }

        // Only this service writes the property; anything unreadable there is replaced rather than failing the regeneration.
        var properties = ReadObject(application.Properties) ?? [];
        var revoked = RevokedOf(properties).Append(Fingerprint(replaced)).TakeLast(Remembered);
        properties[RevokedProperty] = new JsonArray([.. revoked.Select(f => (JsonNode)f)]);
        application.Properties = properties.ToJsonString();
    }

    /// <summary>
    /// Marks revoked, before they are inserted, the tokens in <paramref name="batch"/> whose secret was verified
    /// against a hash a revoking regeneration has replaced. Runs in the writer's transaction.
    /// </summary>
    internal static async Task RevokeTokensOfReplacedSecretsAsync(TokenServiceDbContext db, IReadOnlyList<TokenInsertBatcher.Pending> batch)
    {
        var clients = batch.Where(static p => p.VerifiedSecretHash is not null && p.ApplicationId is not null)
            .Select(static p => p.ApplicationId!).Distinct(StringComparer.Ordinal).ToArray();
        if (clients.Length == 0)
        {
            return;
        }

        // A plain command in the writer's transaction: it runs in the writer's critical section once per batch, where
        // EF Core's raw-SQL query pipeline cost about a seventh of SQLite's token throughput.
        await using var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        command.CommandText = LockingRead.Sql<OpenIddictEntityFrameworkCoreApplication>(db, nameof(OpenIddictEntityFrameworkCoreApplication.Id),
            ["Id", "Properties"], clients.Length);
        for (var i = 0; i < clients.Length; i++)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = "@p" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            parameter.Value = clients[i];
            command.Parameters.Add(parameter);
        }

        var revoked = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                if (!await reader.IsDBNullAsync(1) && RevokedOf(ReadObject(reader.GetString(1))).ToHashSet(StringComparer.Ordinal) is { Count: > 0 } fingerprints)
                {
                    revoked[reader.GetString(0)] = fingerprints;
                }
            }
        }

        if (revoked.Count == 0)
        {
            return;
        }

        foreach (var pending in batch)
        {
            if (pending.VerifiedSecretHash is { } verified && pending.ApplicationId is { } id &&
                revoked.TryGetValue(id, out var fingerprints) && fingerprints.Contains(Fingerprint(verified)))
            {
                pending.Token!.Status = Statuses.Revoked;
            }
        }
    }

    /// <summary>A digest of a stored hash: short, and as unique as the hash itself.</summary>
    private static string Fingerprint(string hash) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(hash)), 0, 18);

    private static JsonObject? ReadObject(string? json)
    {
        try
        {
            return json is { Length: > 0 } ? JsonNode.Parse(json) as JsonObject : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static IEnumerable<string> RevokedOf(JsonObject? properties) =>
        properties?[RevokedProperty] is JsonArray list
            ? list.Select(static n => n is JsonValue value && value.TryGetValue(out string? s) ? s : null).OfType<string>()
            : [];
}
