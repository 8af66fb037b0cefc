using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using TokenService.Options;
using TokenService.Principals;
using TokenService.Tokens;

namespace TokenService.Callers;

/// <summary>
/// Registers the service's own clients at start: the superuser as a client whose secret is the configured
/// password (one verifier checks it everywhere; a password change takes effect at the next start), and the public
/// <c>management</c> client through which admin users sign in on <c>/management/token</c>.
/// </summary>
public sealed class BuiltInClients(
    IOpenIddictApplicationManager applications,
    ClientRegistry registry,
    IOptions<SuperuserOptions> options) : Database.IStartupRows
{
    /// <summary>Every built-in client; the <c>migrate</c> command, which needs no other setting, only the public ones.</summary>
    public Task EnsureAsync(bool migrateCommand, CancellationToken cancellationToken) =>
        migrateCommand ? EnsureManagementClientAsync(cancellationToken) : EnsureRegisteredAsync(cancellationToken);

    public async Task EnsureRegisteredAsync(CancellationToken cancellationToken = default)
    {
        await EnsureSuperuserAsync(cancellationToken);
        await EnsureManagementClientAsync(cancellationToken);
    }

    /// <summary>
    /// The public clients: <c>management</c>, through which admin users sign in, and the one that stands in for an
    /// unknown app. They need no setting, so the <c>migrate</c> command registers them.
    /// </summary>
    public async Task EnsureManagementClientAsync(CancellationToken cancellationToken = default)
    {
        await EnsureSignInClientAsync(ClientDirectory.ManagementClientId, PrincipalType.AdminUser, "management", cancellationToken);
        await EnsureSignInClientAsync(ClientDirectory.NowhereClientId, PrincipalType.AppUser, "no application", cancellationToken);
    }

    private async Task EnsureSignInClientAsync(string clientId, PrincipalType users, string displayName, CancellationToken cancellationToken)
    {
        if (await applications.FindByClientIdAsync(clientId, cancellationToken) is null)
        {
            try
            {
                await registry.CreateSignInClientAsync(clientId, PrincipalKinds.Of(users), displayName, cancellationToken);
            }
            catch (Microsoft.EntityFrameworkCore.DbUpdateException exception) when (!Data.DatabaseFailures.IsUnavailable(exception))
            {
                // Another instance registered it first.
            }
        }
    }

    private async Task EnsureSuperuserAsync(CancellationToken cancellationToken)
    {
        var (username, password) = (options.Value.Username, options.Value.Password);
        var application = await applications.FindByClientIdAsync(username, cancellationToken);
        if (application is null)
        {
            try
            {
                await registry.CreateAsync(username, password, PrincipalKinds.Of(PrincipalType.Superuser).ClientPermissions, "superuser", cancellationToken);
            }
            catch (Microsoft.EntityFrameworkCore.DbUpdateException exception) when (!Data.DatabaseFailures.IsUnavailable(exception))
            {
                // Another instance registered it first; its password comes from the same configuration.
            }

            return;
        }

        if (!await applications.ValidateClientSecretAsync(application, password, cancellationToken))
        {
            await applications.UpdateAsync(application, password, cancellationToken);
        }
    }
}
