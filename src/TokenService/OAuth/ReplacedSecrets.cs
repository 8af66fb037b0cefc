using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;
using TokenService.Data;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace TokenService.OAuth;

/// <summary>
/// "<c>?revoke_tokens=true</c> also revokes every token issued to that client" (CONTRACT §2), without a gap. A
/// secret verified a moment before its regeneration may still be used to issue a token: on another instance for up to
/// the second its memory of the client lasts, on any instance between reading the client's row and committing the
/// token's. A sweep of the client's tokens at regeneration cannot see such a token, whose row commits later. So the
/// rule is kept where every token row is written: the writer re-reads, under lock and in the transaction that inserts
/// the rows, the hash each token's secret was verified against; a token whose hash has since been replaced by a
/// regeneration that revoked tokens is stored revoked. Ordered either way, the token is revoked: its commit comes
/// after the regeneration's (it sees the new row) or before it (the regeneration's sweep, which waits for the lock,
/// sees its row). It is still answered — as if issued just before the regeneration and revoked by it — since the
/// client's request was well formed and authenticated when it was checked.
/// </summary>
public static class ReplacedSecrets
{
    /// <summary>Set on the client's row by each regeneration: whether it revoked the tokens of the secret it replaced.</summary>
    private const string RevokedProperty = "tokenservice_replaced_secret_tokens_revoked";

    /// <summary>Records, on the client's row being regenerated, whether the regeneration revokes its tokens.</summary>
    public static void MarkRegeneration(OpenIddictEntityFrameworkCoreApplication application, bool revokeTokens)
    {
        ArgumentNullException.ThrowIfNull(application);
        var properties = application.Properties is { Length: > 0 } json ? JsonNode.Parse(json)!.AsObject() : [];
        properties[RevokedProperty] = revokeTokens;
        application.Properties = properties.ToJsonString();
    }

    /// <summary>
    /// Marks revoked, before they are inserted, the tokens in <paramref name="batch"/> whose client's secret was
    /// replaced, since it was verified, by a regeneration that revoked tokens. Runs in the writer's transaction.
    /// </summary>
    internal static async Task RevokeTokensOfReplacedSecretsAsync(TokenServiceDbContext db, IReadOnlyList<TokenInsertBatcher.Pending> batch)
    {
        var clients = batch.Where(static p => p.VerifiedSecretHash is not null && p.ApplicationId is not null)
            .Select(static p => p.ApplicationId!).Distinct(StringComparer.Ordinal).ToArray();
        if (clients.Length == 0)
        {
            return;
        }

        var sql = LockingRead.Sql<OpenIddictEntityFrameworkCoreApplication>(db, nameof(OpenIddictEntityFrameworkCoreApplication.Id),
            [nameof(ClientRow.Id), nameof(ClientRow.ClientSecret), nameof(ClientRow.Properties)], clients.Length);
        var current = await db.Database.SqlQueryRaw<ClientRow>(sql, clients.Cast<object>().ToArray()).ToDictionaryAsync(static r => r.Id, StringComparer.Ordinal);
        foreach (var pending in batch)
        {
            if (pending.VerifiedSecretHash is { } verified && pending.ApplicationId is { } id &&
                current.TryGetValue(id, out var row) && !string.Equals(row.ClientSecret, verified, StringComparison.Ordinal) &&
                row.RevokedTokensOfReplacedSecret)
            {
                pending.Token!.Status = Statuses.Revoked;
            }
        }
    }

    /// <summary>The columns of a client's row the check reads.</summary>
    private sealed class ClientRow
    {
        public required string Id { get; init; }

        public string? ClientSecret { get; init; }

        public string? Properties { get; init; }

        public bool RevokedTokensOfReplacedSecret =>
            Properties is { Length: > 0 } json && JsonNode.Parse(json)?[RevokedProperty]?.GetValue<bool>() == true;
    }
}
