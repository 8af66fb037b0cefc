using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using OpenIddict.EntityFrameworkCore;
using OpenIddict.EntityFrameworkCore.Models;
using TokenService.Data;
using TokenService.Database;

namespace TokenService.Tokens;

/// <summary>
/// OpenIddict's EF Core token store, writing a new token once instead of twice. OpenIddict creates a token's row,
/// then — once the token is generated — updates it with the payload and reference identifier. Every token this
/// service issues is a reference token, so that update always follows: the row is added on creation and inserted,
/// complete, by the update — through <see cref="TokenInsertBatcher"/>, which commits rows of concurrent requests
/// together. The token is still answered only after the commit that holds its row.
/// </summary>
public sealed class SingleWriteTokenStore(
    IMemoryCache cache,
    IOpenIddictEntityFrameworkCoreContext context,
    IOptionsMonitor<OpenIddictEntityFrameworkCoreOptions> options,
    TokenInsertBatcher batcher,
    Audit.IssuanceAudit issuance,
    SecretsVerifiedInRequest verifiedSecrets)
    : OpenIddictEntityFrameworkCoreTokenStore<OpenIddictEntityFrameworkCoreToken, OpenIddictEntityFrameworkCoreApplication,
        OpenIddictEntityFrameworkCoreAuthorization, string>(cache, context, options)
{
    private static readonly CompiledQuery<Func<TokenServiceDbContext, string, CancellationToken, Task<OpenIddictEntityFrameworkCoreToken?>>> ByReferenceId =
        new(() => EF.CompileAsyncQuery((TokenServiceDbContext db, string referenceId, CancellationToken _) =>
            db.Set<OpenIddictEntityFrameworkCoreToken>().Include(t => t.Application).Include(t => t.Authorization).AsTracking()
                .FirstOrDefault(t => t.ReferenceId == referenceId)));

    /// <summary>
    /// The lookup of every token presented (introspection on a cache miss, bearer tokens on the management API), as a
    /// compiled query: the same query as OpenIddict's, without translating it again on every call.
    /// </summary>
    public override async ValueTask<OpenIddictEntityFrameworkCoreToken?> FindByReferenceIdAsync(string identifier, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(identifier);
        var db = (TokenServiceDbContext)await Context.GetDbContextAsync(cancellationToken);
        foreach (var entry in db.ChangeTracker.Entries<OpenIddictEntityFrameworkCoreToken>())
        {
            if (string.Equals(entry.Entity.ReferenceId, identifier, StringComparison.Ordinal))
            {
                return entry.Entity;
            }
        }

        return await ByReferenceId.For(db)(db, identifier, cancellationToken);
    }

    public override async ValueTask CreateAsync(OpenIddictEntityFrameworkCoreToken token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);

        // Tracked as Added: the key is chosen now (OpenIddict reads it right away), the row is written by UpdateAsync.
        token.Id ??= TokenRowIds.New();
        (await Context.GetDbContextAsync(cancellationToken)).Add(token);
    }

    public override async ValueTask UpdateAsync(OpenIddictEntityFrameworkCoreToken token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(token);
        var db = await Context.GetDbContextAsync(cancellationToken);
        var entry = db.Entry(token);
        if (entry.State != EntityState.Added || token.Authorization is not null)
        {
            await base.UpdateAsync(token, cancellationToken);
            return;
        }

        token.ConcurrencyToken = Guid.NewGuid().ToString();

        // The row leaves this request's context, so a later save here cannot insert it a second time.
        entry.State = EntityState.Detached;
        token.Application?.Tokens.Remove(token);
        // Its audit event — raised by the grant that issued it, which knows the caller and the tenant — is committed with
        // it: no token exists that the log does not show.
        var audit = issuance.EventFor(token);
        await batcher.InsertAsync(token, token.Application?.Id, audit, verifiedSecrets.HashFor(token.Application?.Id));
    }

}

/// <summary>Keys of new token rows, whichever path issues them.</summary>
public static class TokenRowIds
{
    /// <summary>
    /// A time-ordered GUID (version 7) in the same text form as OpenIddict's random ones: each new row lands at the end
    /// of the primary-key index, so a commit writes one index page for all its rows instead of one random page per row.
    /// </summary>
    public static string New() => Guid.CreateVersion7().ToString();
}
