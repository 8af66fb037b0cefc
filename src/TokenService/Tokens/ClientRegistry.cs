using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using TokenService.Database;
using TokenService.Principals;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace TokenService.Tokens;

/// <summary>
/// Creates OpenIddict clients, regenerates and removes them. OpenIddict stores the secret as a salted
/// PBKDF2 hash; the plain secret exists only in the response that creates or regenerates it.
/// </summary>
public sealed class ClientRegistry(
    IOpenIddictApplicationManager applications, IOpenIddictTokenManager tokens, Tokens.ClientFactsCache clients, VerifiedSecretCache verified,
    Audit.AuditLog audits, SettingsGeneration settings, TokenGeneration tokenGeneration, Telemetry.ServiceMetrics metrics)
{
    /// <summary>Registers the client of a principal of <paramref name="kind"/>: a fresh id of its prefix and a fresh secret.</summary>
    public async Task<ClientCredentials> CreateAsync(PrincipalKind kind, string displayName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(kind);
        var prefix = kind.ClientIdPrefix ?? throw new ArgumentException($"{kind.Type} has no generated client.", nameof(kind));
        var credentials = new ClientCredentials(prefix + NewRandom(16), NewRandom(32));
        await CreateAsync(credentials.ClientId, credentials.ClientSecret, kind.ClientPermissions, displayName, cancellationToken);
        return credentials;
    }

    /// <summary>Registers the public client (no secret) through which users of <paramref name="userKind"/> sign in.</summary>
    public Task CreateSignInClientAsync(string clientId, PrincipalKind userKind, string displayName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(userKind);
        return CreateAsync(clientId, null, userKind.SignInClientPermissions, displayName, cancellationToken);
    }

    /// <summary>Registers a client with the given id and secret (none for a public client) and what it may do.</summary>
    public async Task CreateAsync(
        string clientId, string? secret, IEnumerable<string> permissions, string displayName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(permissions);
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            ClientSecret = secret,
            ClientType = secret is null ? ClientTypes.Public : ClientTypes.Confidential,
            DisplayName = displayName,
        };
        foreach (var permission in permissions)
        {
            descriptor.Permissions.Add(permission);
        }

        await applications.CreateAsync(descriptor, cancellationToken);
    }

    /// <summary>
    /// Replaces a client's secret: the old one fails from the next request on.
    /// With <paramref name="revokeTokens"/>, every token issued to the client is revoked too.
    /// </summary>
    public async Task<string> RegenerateSecretAsync(
        string clientId, Guid organizationId, bool revokeTokens, CancellationToken cancellationToken = default)
    {
        var application = await applications.FindByClientIdAsync(clientId, cancellationToken)
            ?? throw new InvalidOperationException($"Client {clientId} is not registered.");
        var secret = NewRandom(32);
        ReplacedSecrets.MarkRegeneration((OpenIddict.EntityFrameworkCore.Models.OpenIddictEntityFrameworkCoreApplication)application, revokeTokens);
        await applications.UpdateAsync(application, secret, cancellationToken);
        if (revokeTokens)
        {
            await RevokeClientTokensAsync(application, clientId, organizationId, cancellationToken);
        }

        return secret;
    }

    /// <summary>
    /// To call once the transaction that regenerated a client's secret has committed. Until then other requests still
    /// read the old row (and may have remembered it under the new generation); from now on this instance forgets the
    /// client and every validated token. Tokens issued with the old secret while the regeneration was in flight are
    /// the writer's to revoke (<see cref="ReplacedSecrets"/>).
    /// </summary>
    public void AfterRegenerationCommitted()
    {
        settings.Advance();
        tokenGeneration.Advance();
    }

    /// <summary>Revokes every token issued to the given clients of one organization; returns how many were revoked.</summary>
    public async Task<long> RevokeTokensAsync(Guid organizationId, IEnumerable<string> clientIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(clientIds);
        long revoked = 0;
        foreach (var clientId in clientIds)
        {
            if (await applications.FindByClientIdAsync(clientId, cancellationToken) is { } application)
            {
                revoked += await RevokeClientTokensAsync(application, clientId, organizationId, cancellationToken);
            }
        }

        return revoked;
    }

    /// <summary>Revokes a client's tokens and removes the client.</summary>
    public async Task DeleteAsync(string clientId, Guid organizationId, CancellationToken cancellationToken = default)
    {
        var application = await applications.FindByClientIdAsync(clientId, cancellationToken);
        if (application is null)
        {
            return;
        }

        await RevokeClientTokensAsync(application, clientId, organizationId, cancellationToken);
        await applications.DeleteAsync(application, cancellationToken);
    }

    /// <summary>
    /// The secret verifier of the management API and the access check. With the lean path and OpenIddict's client
    /// authentication it shares <see cref="VerifiedSecretCache"/> and <see cref="Tokens.ClientFactsCache"/>, so a
    /// rotation takes effect for all of them alike: at once here, within a second on other instances.
    /// </summary>
    public async Task<bool> VerifySecretAsync(string clientId, string secret, CancellationToken cancellationToken = default)
    {
        // A secret already verified against the client's current hash (read within the contract's bound) costs no
        // database read; anything else goes to OpenIddict's manager, which reads the row and runs PBKDF2.
        if (await clients.FindAsync(clientId, cancellationToken) is { SecretHash: { } hash } && verified.IsVerified(hash, secret))
        {
            return true;
        }

        var application = await applications.FindByClientIdAsync(clientId, cancellationToken);
        return application is not null &&
               await applications.ValidateClientSecretAsync(application, secret, cancellationToken);
    }

    /// <summary>Revokes every token issued to a client and records it, under the client's organization.</summary>
    private async Task<long> RevokeClientTokensAsync(object application, string clientId, Guid organizationId, CancellationToken cancellationToken)
    {
        var revoked = await tokens.RevokeByApplicationIdAsync((await applications.GetIdAsync(application, cancellationToken))!, cancellationToken);
        await audits.RecordAsync(Audit.AuditKinds.TokensRevoked, organizationId,
            "client:" + clientId, $"{revoked} revoked");
        metrics.Revoked("client", revoked);
        return revoked;
    }

    /// <summary>A new id for a public client, which has no secret.</summary>
    public static string NewPublicClientId(string prefix) => prefix + NewRandom(16);

    private static string NewRandom(int bytes) => Base64UrlEncoder.Encode(RandomNumberGenerator.GetBytes(bytes));
}

/// <summary>A client id with its secret, as shown once to whoever created or regenerated it.</summary>
public sealed record ClientCredentials(string ClientId, string ClientSecret);
