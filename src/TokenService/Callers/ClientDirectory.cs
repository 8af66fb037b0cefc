using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using TokenService.Data;
using TokenService.Options;
using TokenService.Principals;

namespace TokenService.Callers;

/// <summary>
/// Maps a client id to the principal it stands for, through the kinds table (<see cref="PrincipalKinds"/>): the
/// kind's prefix picks its table, so a lookup is one indexed query.
/// </summary>
public sealed class ClientDirectory(TokenServiceDbContext db, IOptions<SuperuserOptions> superuser, Tokens.FreshCache<Caller> cache)
{
    /// <summary>The prefix of an app's public client, through which its users sign in on Usergrid's app path.</summary>
    public const string PublicPrefix = "pub_";

    /// <summary>The public client of Usergrid's <c>/management/token</c>, through which admin users sign in.</summary>
    public const string ManagementClientId = "management";

    /// <summary>
    /// The public client that stands in on <c>/{org}/{app}/token</c> for an org or app that does not exist: it signs
    /// nobody in, so a stranger gets the answer a real app gives for wrong credentials — the path is no way to learn
    /// which tenants exist. Cannot collide with a generated id (<c>pub_</c> and 22 random characters).
    /// </summary>
    public const string NowhereClientId = "pub_nowhere";

    /// <summary>The application whose users sign in through this client (its app client or its public client).</summary>
    public Task<AppRef?> FindUserAppAsync(string clientId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        return db.Applications.AsNoTracking()
            .Where(a => a.ClientId == clientId || a.PublicClientId == clientId)
            .Select(a => new AppRef(a.OrganizationId, a.Organization.Name, a.Id, a.Name))
            .FirstOrDefaultAsync(cancellationToken);
    }

    /// <summary>
    /// The caller a client id stands for, or <c>null</c> when no such client exists. Found callers are remembered
    /// within the contract's bound (<see cref="Tokens.FreshCache{TValue}"/>): a client deleted here is forgotten at
    /// once, one deleted on another instance within a second.
    /// </summary>
    public async Task<Caller?> FindAsync(string clientId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clientId);
        return await cache.GetOrLoadAsync(clientId, (Directory: this, ClientId: clientId),
            static (state, cancellation) => state.Directory.LookUpAsync(state.ClientId, cancellation), cancellationToken);
    }

    /// <summary>The organization a client id belongs to, if it is one of ours.</summary>
    public async Task<Guid?> OrganizationOfAsync(string? clientId, CancellationToken cancellationToken = default) =>
        string.IsNullOrEmpty(clientId) || clientId.Length > 200 ? null :

        // A public client stands for no principal (the directory does not know it); its app does. Every other client
        // is in the directory, and found ones are cached, so issuing a token costs no extra read.
        clientId.StartsWith(PublicPrefix, StringComparison.Ordinal)
            ? (await FindUserAppAsync(clientId, cancellationToken))?.OrgId
            : (await FindAsync(clientId, cancellationToken))?.OrgId;

    private async Task<Caller?> LookUpAsync(string clientId, CancellationToken cancellationToken)
    {
        // The kind's prefix picks its table: one indexed query.
        if (PrincipalKinds.ByClientId(clientId) is { FindByClientId: { } find })
        {
            return await find(db, clientId, cancellationToken);
        }

        if (clientId.StartsWith(PublicPrefix, StringComparison.Ordinal))
        {
            // A public client stands for no principal of its own: it only carries its app's users' sign-ins.
            return null;
        }

        return string.Equals(clientId, superuser.Value.Username, StringComparison.Ordinal)
            ? new Caller(PrincipalType.Superuser, clientId)
            : null;
    }
}

/// <summary>An application and its organization.</summary>
public sealed record AppRef(Guid OrgId, string Org, Guid AppId, string App);
