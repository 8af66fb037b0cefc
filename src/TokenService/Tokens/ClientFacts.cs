using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;
using TokenService.Data;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace TokenService.Tokens;

/// <summary>
/// What the lean path needs to know of a client to accept its secret: the stored hash (never the secret) and what
/// OpenIddict would let it do. A copy of the client's row, not a second source of truth.
/// </summary>
public sealed record ClientFacts(string RowId, string? SecretHash, bool Confidential, IReadOnlySet<string> Permissions);

/// <summary>
/// The process-wide memory of <see cref="ClientFacts"/>, within the contract's bound for a regenerated secret
/// (CONTRACT §2): a change of the client on this instance kills it at once (<see cref="SettingsGeneration"/>), a
/// change on another instance is seen within a second. The secret itself is still checked on every request, against
/// the hash held here, through <see cref="VerifiedSecretCache"/>.
/// </summary>
public sealed class ClientFactsCache(
    SettingsGeneration generation, TimeProvider clock, IServiceScopeFactory scopes, Microsoft.Extensions.Options.IOptions<Options.CacheOptions> caches,
    Telemetry.ServiceMetrics metrics) : IDisposable
{
    private static readonly CompiledQuery<Func<TokenServiceDbContext, string, CancellationToken, Task<Row?>>> ByClientId =
        new(() => EF.CompileAsyncQuery((TokenServiceDbContext db, string clientId, CancellationToken _) =>
            db.Set<OpenIddictEntityFrameworkCoreApplication>().AsNoTracking()
                .Where(a => a.ClientId == clientId)
                .Select(a => new Row(a.Id!, a.ClientId!, a.ClientSecret, a.ClientType, a.Permissions))
                .FirstOrDefault()));

    private readonly FreshCache<ClientFacts> _entries = new(generation, clock, caches.Value.Entries, metrics, "client_facts");

    /// <summary>The client's facts, from memory or its row; <c>null</c> when no such client exists.</summary>
    public async ValueTask<ClientFacts?> FindAsync(string clientId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        return await _entries.GetOrLoadAsync(clientId, (Scopes: scopes, ClientId: clientId), static (state, cancellation) => LoadAsync(state.Scopes, state.ClientId, cancellation),
            cancellationToken);
    }

    private static async Task<ClientFacts?> LoadAsync(IServiceScopeFactory scopes, string clientId, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TokenServiceDbContext>();

        // Exactly this id: SQL Server compares case-insensitively by default, and OpenIddict re-checks the case too.
        if (await ByClientId.For(db)(db, clientId, cancellationToken) is not { } row ||
            !string.Equals(row.ClientId, clientId, StringComparison.Ordinal))
        {
            return null;
        }

        return new ClientFacts(row.Id, row.SecretHash, row.Type == ClientTypes.Confidential,
            new HashSet<string>(row.Permissions is null ? [] : JsonSerializer.Deserialize<string[]>(row.Permissions) ?? [], StringComparer.Ordinal));
    }

    public void Dispose() => _entries.Dispose();

    private sealed record Row(string Id, string ClientId, string? SecretHash, string? Type, string? Permissions);
}
