using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using TokenService.OAuth;
using TokenService.Options;

namespace TokenService.Callers;

/// <summary>
/// Keeps the configured superuser registered as an OpenIddict client whose secret is the configured password,
/// so that one verifier checks it everywhere and a password change in configuration takes effect at the next start.
/// </summary>
public sealed class SuperuserClient(
    IOpenIddictApplicationManager applications,
    ClientRegistry registry,
    IOptions<SuperuserOptions> options)
{
    public async Task EnsureRegisteredAsync(CancellationToken cancellationToken = default)
    {
        var (username, password) = (options.Value.Username, options.Value.Password);
        var application = await applications.FindByClientIdAsync(username, cancellationToken);
        if (application is null)
        {
            try
            {
                await registry.CreateAsync(username, password, ClientKind.Superuser, "superuser", cancellationToken);
            }
            catch (Microsoft.EntityFrameworkCore.DbUpdateException)
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
